/// Checks a request's head before any of its body is read, so that a request whose length two parties
/// could read differently (request smuggling) or that announces too large a body is refused at once.
///
/// libmicrohttpd 0.9.75 takes the first of two `Content-Length` headers, honours `Transfer-Encoding:
/// chunked` next to a `Content-Length` (and runs the bytes after the chunked body as a second request),
/// waits forever for a body in a transfer coding it does not know, and answers `Expect: 100-continue`
/// before the application has seen the length. The server runs these checks on the first call of its
/// access handler, which MHD makes before it sends `100 Continue`, and answers a refusal with
/// `Connection: close` (RFC 9112 §6.3: the framing cannot be trusted, so neither can the connection).
public enum RequestFraming {
    /// Why a request head is refused: the status (400, 413, 417 or 501) and a one-line reason.
    public struct Refusal: Error, Sendable, Equatable {
        public var status: Int
        public var message: String

        public init(status: Int, message: String) {
            self.status = status
            self.message = message
        }
    }

    /// The refusal of a request head, or nil when its body (if any) can be read safely.
    ///
    /// - Parameters:
    ///   - version: the request line's version ("HTTP/1.1", "HTTP/1.0").
    ///   - headers: every header line, names lower-cased, repeated names kept.
    ///   - maxBodyBytes: a `Content-Length` above this is refused with 413.
    public static func refusal(
        version: String, headers: [(name: String, value: String)], maxBodyBytes: Int
    ) -> Refusal? {
        let hosts = headers.filter { $0.name == "host" }
        // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host or with more than one.
        if version != "HTTP/1.0", hosts.count != 1 {
            return Refusal(status: 400, message: "an HTTP/1.1 request needs exactly one Host header")
        }
        let lengths = headers.filter { $0.name == "content-length" }.map(\.value)
        let codings = headers.filter { $0.name == "transfer-encoding" }.map(\.value)
        if !codings.isEmpty {
            return transferCodingRefusal(codings, version: version, hasContentLength: !lengths.isEmpty)
        }
        if let refusal = contentLengthRefusal(lengths, maxBodyBytes: maxBodyBytes) { return refusal }
        if let expect = headers.first(where: { $0.name == "expect" })?.value,
            expect.trimmingSpaces().lowercased() != "100-continue"
        {
            return Refusal(status: 417, message: "only Expect: 100-continue is supported")
        }
        return nil
    }

    /// `Transfer-Encoding` rules (RFC 9112 §6.1, §6.3): only plain `chunked`, never with `Content-Length`,
    /// never in HTTP/1.0.
    private static func transferCodingRefusal(
        _ values: [String], version: String, hasContentLength: Bool
    ) -> Refusal? {
        if hasContentLength {
            return Refusal(
                status: 400, message: "Transfer-Encoding and Content-Length together are refused (request smuggling)")
        }
        if version == "HTTP/1.0" {
            return Refusal(status: 400, message: "Transfer-Encoding is not allowed in HTTP/1.0")
        }
        let codings = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
            .filter { !$0.isEmpty }
        if let other = codings.first(where: { $0 != "chunked" }) {
            return Refusal(status: 501, message: "transfer coding \(printable(other)) is not implemented")
        }
        guard codings.count == 1 else {
            return Refusal(status: 400, message: "Transfer-Encoding must name the chunked coding exactly once")
        }
        return nil
    }

    /// Exactly one `Content-Length` of decimal digits, at most `maxBodyBytes`.
    private static func contentLengthRefusal(_ values: [String], maxBodyBytes: Int) -> Refusal? {
        guard let value = values.first else { return nil }
        guard values.count == 1 else {
            return Refusal(status: 400, message: "more than one Content-Length header")
        }
        let digits = value.trimmingSpaces()
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return Refusal(status: 400, message: "Content-Length is not a decimal number")
        }
        // Too many digits for an Int is too large as well.
        guard let length = Int(digits), length <= maxBodyBytes else {
            return Refusal(status: 413, message: "request body larger than \(maxBodyBytes) bytes")
        }
        return nil
    }

    /// At most 40 printable ASCII characters of a client's text, for an error message.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(40).map { $0.isPrintableASCII ? $0 : "?" }))
    }
}

extension Unicode.Scalar {
    var isPrintableASCII: Bool { value >= 0x20 && value < 0x7F }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

import SunoHTTP

/// Who may write (POST, DELETE) through the task API (DESIGN.md §4).
///
/// - With a token (`--web.api-token-file`): every write, loopback or not, needs
///   `Authorization: Bearer <token>`; a missing or wrong one is 401 with `WWW-Authenticate: Bearer`.
///   The notify-hook receiver also takes the token as `?token=` because the gateway only lets a
///   submit name a URL, not headers.
/// - Without a token: writes are accepted from loopback clients only (403 otherwise). A loopback
///   request sent by a browser on behalf of another site (an `Origin` header whose host is not
///   `localhost`, a 127.0.0.0/8 literal or `[::1]`) is refused too, so a web page cannot register or
///   forget tasks through a browser running on the exporter's host. The host is parsed, not
///   prefix-matched: `http://127.0.0.1.nip.io` is a public name that merely starts like a loopback one.
///
///   Browsers send `Origin` with every POST and DELETE, so that check is what keeps pages out. The body
///   types a page can post without a CORS preflight are `text/plain`, `multipart/form-data` and
///   `application/x-www-form-urlencoded`; the first two are refused here (415) as a second line for
///   browsers or contexts that omit `Origin`. `text/plain` is the one an HTML form can fill with a body
///   that parses as JSON; a urlencoded form escapes `{` and `"`, so it never does, and refusing it would
///   break `curl -d`, which sends that type. A JSON content type is therefore not required.
///
/// Reads are always open.
struct WriteAuthorization: Sendable {
    /// The token's UTF-8 bytes; nil: loopback-only mode.
    let token: [UInt8]?

    init(token: String?) {
        self.token = token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
    }

    static let realm = "suno-exporter"

    /// Throws the 401/403 answer when `request` may not write.
    func check(_ request: HTTPRequest, allowQueryToken: Bool) throws(APIError) {
        guard let token else {
            guard request.isFromLoopback else {
                throw APIError(
                    status: 403,
                    message: "writes are accepted from loopback clients only; start the exporter with "
                        + "--web.api-token-file to accept them from elsewhere with a bearer token")
            }
            if let origin = request.header("origin"), !Self.isLoopbackOrigin(origin) {
                throw APIError(status: 403, message: "cross-origin browser writes are refused")
            }
            if let type = request.header("content-type"), Self.isFormOnlyType(type) {
                throw APIError(
                    status: 415,
                    message: "without --web.api-token-file, text/plain and multipart/form-data bodies are refused "
                        + "(a web page can send them); send application/json")
            }
            return
        }
        let presented: String?
        if let header = request.header("authorization") {
            presented = Self.bearerToken(header)
            guard presented != nil else {
                throw Self.unauthorized("Authorization must be \"Bearer <token>\"", invalidToken: true)
            }
        } else if allowQueryToken, let query = request.queryValue("token") {
            presented = query
        } else {
            presented = nil
        }
        guard let presented else {
            throw Self.unauthorized("missing bearer token (Authorization: Bearer <token>)", invalidToken: false)
        }
        guard Self.constantTimeEquals(Array(presented.utf8), token) else {
            throw Self.unauthorized("invalid bearer token", invalidToken: true)
        }
    }

    private static func unauthorized(_ message: String, invalidToken: Bool) -> APIError {
        // RFC 6750 §3: no error attribute when the request carried no credentials at all.
        let challenge =
            invalidToken ? "Bearer realm=\"\(realm)\", error=\"invalid_token\"" : "Bearer realm=\"\(realm)\""
        return APIError(status: 401, message: message, headers: [.init(name: "WWW-Authenticate", value: challenge)])
    }

    /// The credentials of `Bearer <token>` (scheme case-insensitive, RFC 7235), or nil for another scheme.
    static func bearerToken(_ header: String) -> String? {
        let trimmed = header.drop { $0 == " " || $0 == "\t" }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let credentials = trimmed.dropFirst(7).trimmedSpaces()
        return credentials.isEmpty ? nil : String(credentials)
    }

    /// Compares in time that depends only on the lengths, never on where the first difference is.
    static func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = presented.count == expected.count ? 0 : 1
        for index in 0..<expected.count {
            let byte = index < presented.count ? presented[index] : ~expected[index]
            difference |= byte ^ expected[index]
        }
        return difference == 0
    }

    /// True for an origin `http(s)://HOST[:PORT]` whose HOST is `localhost`, a dotted-quad literal in
    /// 127.0.0.0/8 or `[::1]` (the serialisations browsers send). Anything else is false: `null`
    /// (sandboxed and file: pages), other schemes, user info, paths, and names that only start like a
    /// loopback address (`127.evil.com`, `127.0.0.1.nip.io`).
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        let lowered = origin.lowercased()
        let rest: Substring
        if lowered.hasPrefix("http://") {
            rest = lowered.dropFirst(7)
        } else if lowered.hasPrefix("https://") {
            rest = lowered.dropFirst(8)
        } else {
            return false
        }
        var host = rest
        var port: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return false }
            host = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return false }
                port = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        }
        if let port, !isPort(port) { return false }
        return host == "localhost" || host == "[::1]" || isLoopbackIPv4(host)
    }

    /// 1 to 5 decimal digits naming a port in 1...65535.
    private static func isPort(_ text: Substring) -> Bool {
        guard (1...5).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text)
        else { return false }
        return (1...65535).contains(value)
    }

    /// Four dot-separated decimal parts of 0...255 without leading zeros, the first 127.
    private static func isLoopbackIPv4(_ host: Substring) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.first == "127" else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0", let value = Int(part)
            else { return false }
            return value <= 255
        }
    }

    /// `text/plain` or `multipart/form-data`, parameters and case ignored.
    static func isFormOnlyType(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { Substring($0).trimmedSpaces() }
        let lowered = mediaType?.lowercased() ?? ""
        return lowered == "text/plain" || lowered == "multipart/form-data"
    }
}

extension Substring {
    fileprivate func trimmedSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}

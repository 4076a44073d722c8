import SunoHTTP

/// Who may write (POST, DELETE) through the task API (DESIGN.md §4).
///
/// - With a token (`--web.api-token-file`): every write, loopback or not, needs
///   `Authorization: Bearer <token>`; a missing or wrong one is 401 with `WWW-Authenticate: Bearer`.
///   The notify-hook receiver also takes the token as `?token=` because the gateway only lets a
///   submit name a URL, not headers.
/// - Without a token: writes are accepted from loopback clients only (403 otherwise). A loopback
///   request sent by a browser on behalf of another site (an `Origin` header whose host is not a
///   loopback name) is refused too, so a web page cannot register or forget tasks through a
///   browser running on the exporter's host.
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

    /// True for origins whose host is localhost, 127.0.0.0/8 or [::1]; `null` (sandboxed and file: pages) is not.
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        if origin == "null" { return false }
        guard let schemeEnd = origin.range(of: "://") else { return false }
        var host = origin[schemeEnd.upperBound...]
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered.hasPrefix("127.")
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

/// A response to hand to the server. The body is either owned bytes or a shared, immutable
/// buffer (a published metrics snapshot) that is served without a copy.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: ResponseBody

    public init(status: Int, headers: [(name: String, value: String)] = [], body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, text: String, headers: [(name: String, value: String)] = []) {
        self.init(
            status: status, headers: [("Content-Type", contentType)] + headers,
            body: .bytes(Array(text.utf8)))
    }

    /// A plain-text response, the usual answer of health endpoints.
    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", text: text)
    }
}

/// A response body.
public enum ResponseBody: Sendable {
    case empty
    case bytes([UInt8])
    /// Bytes shared between requests; the server keeps a reference until MHD has sent them.
    case shared(SharedBytes)

    public var count: Int {
        switch self {
        case .empty: 0
        case .bytes(let b): b.count
        case .shared(let s): s.count
        }
    }

    /// A copy of the bytes (tests and small bodies).
    public var array: [UInt8] {
        switch self {
        case .empty: []
        case .bytes(let b): b
        case .shared(let s): s.array
        }
    }
}

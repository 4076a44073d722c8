/// One complete HTTP request as the handler sees it: the body is fully read.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded once by the server (`%2F` arrives as `/`):
    /// routers must not decode it again. It never holds a control character or invalid UTF-8: such
    /// requests are refused with 400 before a handler sees them.
    public var path: String
    /// Query arguments in arrival order, decoded like the path (`+` is a space).
    public var query: [(name: String, value: String)]
    /// Header names lower-cased; a repeated header keeps every value, in order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// True when the peer is on a loopback address.
    public var isFromLoopback: Bool

    public init(
        method: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], isFromLoopback: Bool = true
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        self.body = body
        self.isFromLoopback = isFromLoopback
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    /// The first value of a query argument.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

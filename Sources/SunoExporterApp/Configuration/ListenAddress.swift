/// `host:port` as Prometheus exporters write it: `:9877`, `127.0.0.1:9877`, `[::1]:9877`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws(ParseError) {
        let invalid = ParseError(
            description: "invalid listen address \"\(text)\": want host:port, e.g. :9877 or 127.0.0.1:9877")
        var hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portPart) else { throw invalid }
        // A host is an IP literal or a DNS name: printable ASCII without brackets. Anything else is refused
        // here: a NUL would cut the name the resolver sees, a bracket or a combining mark (which joins the
        // character before it) would print as an address that does not parse back.
        guard hostPart.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "[" && $0 != "]" })
        else { throw invalid }
        if hostPart == "localhost" { hostPart = "127.0.0.1" }
        if hostPart == "0.0.0.0" { hostPart = "" }
        self.host = String(hostPart)
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

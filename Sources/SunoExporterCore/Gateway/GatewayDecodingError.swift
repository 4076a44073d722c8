/// Why a gateway answer could not be used. The message is safe to log: it never holds the key
/// and quotes at most a short prefix of the body.
public struct GatewayDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

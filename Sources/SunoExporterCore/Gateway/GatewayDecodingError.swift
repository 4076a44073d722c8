/// Why a gateway answer could not be used. The message is safe to log: it never holds the key
/// and quotes at most a short prefix of the body.
public struct GatewayDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    /// The gateway's own error code when the answer was well-formed but reported a failure
    /// (`"task_not_exist"`, `"fail_to_fetch_task"`, an OpenAI-envelope code, …), "" when the error envelope
    /// carried no code; nil when the body itself was bad (not JSON, truncated, wrong shape).
    public var gatewayCode: String?

    public init(_ description: String, gatewayCode: String? = nil) {
        self.description = description
        self.gatewayCode = gatewayCode
    }

    /// Longest quote of the gateway's message kept in `description`, in UTF-8 bytes.
    static let quotedMessageLimit = 60

    /// A well-formed answer whose envelope reports failure, e.g. `{"code":"task_not_exist",…}` with HTTP 200.
    static func gatewayReported(code: String, message: String) -> GatewayDecodingError {
        let quoted = message.isEmpty ? "" : ": \(message.truncated(toUTF8Bytes: quotedMessageLimit))"
        let shownCode = code.isEmpty ? "(no code)" : code.truncated(toUTF8Bytes: 40)
        return GatewayDecodingError("gateway reported error \(shownCode)\(quoted)", gatewayCode: code)
    }
}

extension String {
    /// The longest prefix of whole characters that fits in `limit` UTF-8 bytes, with "…" when cut.
    func truncated(toUTF8Bytes limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var kept = ""
        var used = 0
        for character in self {
            let size = character.utf8.count
            // Leave room for the 3-byte ellipsis.
            guard used + size <= limit - 3 else { break }
            kept.append(character)
            used += size
        }
        return kept + "…"
    }
}

/// Redaction of keys the exporter only passes on (the submit proxy's clients' keys), by the same rule
/// as the exporter's own key (`APIKey.redacting`).
public enum ClientKeyRedaction {
    /// `text` with every fragment of each `Authorization` value's token (after any `Bearer ` prefix)
    /// cut out.
    public static func redact(_ text: String, authorization values: [String]) -> String {
        var redacted = text
        for value in values {
            var token = Substring(value)
            if token.lowercased().hasPrefix("bearer ") { token = token.dropFirst("bearer ".count) }
            let key = APIKey(String(token))
            if !key.isEmpty { redacted = key.redacting(redacted) }
        }
        return redacted
    }
}

import SunoExporterCore

/// User labels are stored as a JSON object with sorted keys (the core's JSON writer and reader).
enum LabelsCodec {
    static func encode(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "{}" }
        return JSONValue.object(
            labels.keys.sorted().map { JSONValue.Member(name: $0, value: .string(labels[$0] ?? "")) }
        )
        .text
    }

    /// The stored labels; a column that is not an object of strings reads as no labels.
    static func decode(_ text: String?) -> [String: String] {
        guard let text, text != "{}", case .object(let members)? = try? JSONValue.parse(text) else { return [:] }
        var labels: [String: String] = [:]
        for member in members {
            guard let value = member.value.stringValue else { return [:] }
            labels[member.name] = value
        }
        return labels
    }
}

import Foundation

/// User labels are stored as a JSON object with sorted keys.
enum LabelsCodec {
    static func encode(_ labels: [String: String]) -> String {
        guard !labels.isEmpty,
            let data = try? JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys]),
            let text = String(data: data, encoding: .utf8)
        else { return "{}" }
        return text
    }

    static func decode(_ text: String?) -> [String: String] {
        guard let text, text != "{}", let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return [:] }
        return object
    }
}

import SunoExporterCore
import SunoStore

/// Validation of ids, models and labels coming from the API, the CLI and the hook receiver.
public enum TaskInput {
    /// The gateway stores ids in a varchar(191) (COMETAPI.md §10.11).
    public static let maxIDLength = 191
    public static let maxLabels = 16
    public static let maxLabelValueLength = 256

    public struct InvalidInput: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static func validateID(_ id: String) throws(InvalidInput) {
        if id.isEmpty { throw InvalidInput("task id is empty") }
        if id.count > maxIDLength { throw InvalidInput("task id longer than \(maxIDLength) characters") }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) {
            throw InvalidInput("task id contains whitespace or control characters")
        }
    }

    public static func validated(_ registration: Registration) throws(InvalidInput) -> Registration {
        try validateID(registration.id)
        if let model = registration.model, model.count > ModelName.maxLength {
            throw InvalidInput("model longer than \(ModelName.maxLength) characters")
        }
        if registration.labels.count > maxLabels { throw InvalidInput("more than \(maxLabels) labels") }
        for (key, value) in registration.labels {
            guard isLabelName(key) else { throw InvalidInput("label name \"\(key)\" is not [a-zA-Z_][a-zA-Z0-9_]*") }
            guard value.count <= maxLabelValueLength else {
                throw InvalidInput("label \(key) longer than \(maxLabelValueLength) characters")
            }
        }
        return registration
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64 else { return false }
        let isStart: (Unicode.Scalar) -> Bool = { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
        return isStart(first) && name.unicodeScalars.allSatisfy { isStart($0) || ("0"..."9").contains($0) }
    }

    /// `key=value` pairs from the command line.
    public static func labels(_ pairs: [String]) throws(InvalidInput) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw InvalidInput("label \"\(pair)\" is not key=value")
            }
            labels[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return labels
    }

    /// One import line: a bare id, or a JSON object with `id` and optional `action`, `model`, `labels`.
    public static func parseLine(_ line: String, defaultAction: TaskAction, defaultModel: String?) throws(InvalidInput)
        -> Registration
    {
        guard line.hasPrefix("{") else {
            return Registration(id: line, action: defaultAction, model: defaultModel)
        }
        guard let object = try? JSONValue.parse(line), case .object = object else {
            throw InvalidInput("not a JSON object")
        }
        guard let id = object[member: "id"]?.stringValue ?? object[member: "task_id"]?.stringValue else {
            throw InvalidInput("\"id\" missing or not a string")
        }
        var action = defaultAction
        if let text = object[member: "action"] {
            guard let name = text.stringValue, let parsed = TaskAction(parsing: name) else {
                throw InvalidInput("\"action\" must be MUSIC or LYRICS")
            }
            action = parsed
        }
        var model = defaultModel
        if let value = object[member: "model"] {
            guard let name = value.stringValue else { throw InvalidInput("\"model\" must be a string") }
            model = name
        }
        var labels: [String: String] = [:]
        if let value = object[member: "labels"] {
            guard case .object(let pairs) = value else {
                throw InvalidInput("\"labels\" must be an object of strings")
            }
            for pair in pairs {
                guard let text = pair.value.stringValue else {
                    throw InvalidInput("label \(pair.name) must be a string")
                }
                labels[pair.name] = text
            }
        }
        return Registration(id: id, action: action, model: model, labels: labels)
    }
}

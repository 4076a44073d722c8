import SunoExporterCore
import SunoStore

/// The body of `POST /api/v1/tasks`: the gateway's batch-body shape plus optional `model` and `labels`,
/// `{"ids": ["..."], "action": "MUSIC", "model": "chirp-v4", "labels": {"team": "x"}}`.
///
/// `action` defaults to MUSIC (as the CLI does) and is case-insensitive; `model` may be null; unknown
/// members are ignored, as the gateway ignores them. The whole body is validated before anything is
/// stored, so a bad id anywhere rejects the request and nothing of it is written.
package enum RegistrationBody {
    package static let maxIDs = 1000

    package static func parse(_ body: [UInt8]) throws(APIError) -> [Registration] {
        let object = try jsonObject(body, want: "{\"ids\": [\"...\"], \"action\": \"MUSIC\"}")
        guard let rawIDs = object[member: "ids"] else { throw .unprocessable("\"ids\" is missing") }
        guard case .array(let list) = rawIDs else { throw .unprocessable("\"ids\" must be an array of strings") }
        guard !list.isEmpty else { throw .unprocessable("\"ids\" is empty") }
        guard list.count <= maxIDs else {
            throw .unprocessable("\"ids\" has \(list.count) entries; at most \(maxIDs) per request")
        }

        var action = TaskAction.music
        if let raw = object[member: "action"], !raw.isNull {
            guard let text = raw.stringValue else { throw .unprocessable("\"action\" must be a string") }
            guard let parsed = TaskAction(parsing: text) else {
                throw .unprocessable("unknown action \"\(text)\"; want MUSIC or LYRICS")
            }
            action = parsed
        }
        var model: String?
        if let raw = object[member: "model"], !raw.isNull {
            guard let text = raw.stringValue else { throw .unprocessable("\"model\" must be a string or null") }
            model = text.isEmpty ? nil : text
        }
        var labels: [String: String] = [:]
        if let raw = object[member: "labels"], !raw.isNull {
            labels = try stringMap(raw)
        }

        var registrations: [Registration] = []
        registrations.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            guard let id = element.stringValue else { throw .unprocessable("ids[\(index)] is not a string") }
            do {
                registrations.append(
                    try TaskInput.validated(Registration(id: id, action: action, model: model, labels: labels)))
            } catch {
                // Model and label problems are the same for every id: report them once, without an index.
                if (try? TaskInput.validateID(id)) != nil { throw .unprocessable(error.description) }
                throw .unprocessable("ids[\(index)]: \(error.description)")
            }
        }
        return registrations
    }

    /// The top-level JSON object of a request body: 400 when empty or not JSON, 422 when JSON but not an object.
    static func jsonObject(_ body: [UInt8], want shape: String) throws(APIError) -> JSONValue {
        guard !body.isEmpty else { throw .badRequest("request body is empty; want JSON \(shape)") }
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw .badRequest("request body is not valid JSON: \(error.description)")
        }
        guard case .object = value else {
            throw .unprocessable("request body must be a JSON object \(shape)")
        }
        return value
    }

    /// `labels`: an object whose values are all strings.
    static func stringMap(_ value: JSONValue) throws(APIError) -> [String: String] {
        guard case .object(let members) = value else {
            throw .unprocessable("\"labels\" must be an object of strings")
        }
        var labels: [String: String] = [:]
        for member in members {
            guard let text = member.value.stringValue else {
                throw .unprocessable("label \"\(member.name)\" must be a string")
            }
            labels[member.name] = text
        }
        return labels
    }
}

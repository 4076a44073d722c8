import Foundation
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
        guard let rawIDs = object["ids"] else { throw .unprocessable("\"ids\" is missing") }
        guard let list = rawIDs as? [Any] else { throw .unprocessable("\"ids\" must be an array of strings") }
        guard !list.isEmpty else { throw .unprocessable("\"ids\" is empty") }
        guard list.count <= maxIDs else {
            throw .unprocessable("\"ids\" has \(list.count) entries; at most \(maxIDs) per request")
        }

        var action = TaskAction.music
        if let raw = object["action"], !(raw is NSNull) {
            guard let text = raw as? String else { throw .unprocessable("\"action\" must be a string") }
            guard let parsed = TaskAction(parsing: text) else {
                throw .unprocessable("unknown action \"\(text)\"; want MUSIC or LYRICS")
            }
            action = parsed
        }
        var model: String?
        if let raw = object["model"], !(raw is NSNull) {
            guard let text = raw as? String else { throw .unprocessable("\"model\" must be a string or null") }
            model = text.isEmpty ? nil : text
        }
        var labels: [String: String] = [:]
        if let raw = object["labels"], !(raw is NSNull) {
            guard let dictionary = raw as? [String: Any] else {
                throw .unprocessable("\"labels\" must be an object of strings")
            }
            for (key, value) in dictionary {
                guard let text = value as? String else { throw .unprocessable("label \"\(key)\" must be a string") }
                labels[key] = text
            }
        }

        var registrations: [Registration] = []
        registrations.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            guard let id = element as? String else { throw .unprocessable("ids[\(index)] is not a string") }
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
    static func jsonObject(_ body: [UInt8], want shape: String) throws(APIError) -> [String: Any] {
        guard !body.isEmpty else { throw .badRequest("request body is empty; want JSON \(shape)") }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw .badRequest("request body is not valid JSON: \(describe(error))")
        }
        guard let object = value as? [String: Any] else {
            throw .unprocessable("request body must be a JSON object \(shape)")
        }
        return object
    }

    /// Foundation's parse error without the Cocoa boilerplate ("Unexpected end of file around line 1 …").
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String, !detail.isEmpty { return detail }
        return nsError.localizedDescription
    }
}

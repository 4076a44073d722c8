import Foundation

/// A request body the gateway would reject, with the message Go's `encoding/json` would give.
struct BodyError: Error, Sendable {
    var message: String
}

/// The ids of a `POST /suno/fetch` body.
struct FetchQuery: Sendable {
    /// Number of elements of `ids` (duplicates and non-strings included).
    var count: Int
    /// The string elements; other elements can never match a task id.
    var ids: [String]
}

/// Parses request bodies as new-api does (`{IDs []any; Action string}` and `SunoSubmitReq`), using
/// `JSONSerialization` and Go-like error messages.
enum RequestBodies {
    /// The batch body. `ids` missing or null gives no ids; anything but an array is an error.
    static func fetchQuery(_ body: [UInt8]) throws(BodyError) -> FetchQuery {
        guard let object = try topLevel(body, emptyMessage: "EOF", type: "struct { IDs []interface {}; Action string }")
        else { return FetchQuery(count: 0, ids: []) }
        try expectString(object["action"], field: ".action")
        switch object["ids"] {
        case nil, is NSNull:
            return FetchQuery(count: 0, ids: [])
        case let array as [Any]:
            return FetchQuery(count: array.count, ids: array.compactMap { $0 as? String })
        case let other?:
            throw BodyError(
                message: "json: cannot unmarshal \(kind(of: other)) into Go struct field .ids of type []interface {}")
        }
    }

    /// The submit body of `action` (unknown fields ignored).
    static func submitRequest(_ body: [UInt8], action: SimulatedAction) throws(BodyError) -> SubmitRequest {
        let object =
            try topLevel(body, emptyMessage: "unexpected end of JSON input", type: "dto.SunoSubmitReq") ?? [:]
        func text(_ field: String) throws(BodyError) -> String? {
            try expectString(object[field], field: "SunoSubmitReq.\(field)")
        }
        var request = SubmitRequest(action: action)
        request.prompt = try text("prompt")
        request.gptDescriptionPrompt = try text("gpt_description_prompt")
        request.tags = try text("tags")
        request.title = try text("title")
        request.model = try text("mv")
        request.notifyHook = try text("notify_hook") ?? ""
        let taskID = try text("task_id") ?? ""
        let continueClipID = try text("continue_clip_id") ?? ""
        switch object["make_instrumental"] {
        case nil, is NSNull: break
        case let number as NSNumber where isBoolean(number): request.makeInstrumental = number.boolValue
        case let other?:
            throw BodyError(
                message:
                    "json: cannot unmarshal \(kind(of: other)) into Go struct field SunoSubmitReq.make_instrumental of type bool"
            )
        }
        if let continueAt = object["continue_at"], !(continueAt is NSNull) {
            guard let number = continueAt as? NSNumber, !isBoolean(number) else {
                throw BodyError(
                    message:
                        "json: cannot unmarshal \(kind(of: continueAt)) into Go struct field SunoSubmitReq.continue_at of type float64"
                )
            }
        }
        if !continueClipID.isEmpty && taskID.isEmpty { throw BodyError(message: "task id is empty") }
        return request
    }

    /// The top-level object; nil for a JSON `null` (Go leaves the struct empty).
    private static func topLevel(_ body: [UInt8], emptyMessage: String, type: String) throws(BodyError)
        -> [String: Any]?
    {
        guard let first = body.first(where: { !isWhitespace($0) }) else { throw BodyError(message: emptyMessage) }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            if !"{[\"-0123456789tfn".utf8.contains(first) {
                throw BodyError(
                    message: "invalid character '\(Character(Unicode.Scalar(first)))' looking for beginning of value")
            }
            throw BodyError(message: "unexpected EOF")
        }
        switch value {
        case is NSNull: return nil
        case let object as [String: Any]: return object
        default: throw BodyError(message: "json: cannot unmarshal \(kind(of: value)) into Go value of type \(type)")
        }
    }

    /// A string field, absent or null giving nil.
    @discardableResult
    private static func expectString(_ value: Any?, field: String) throws(BodyError) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let other?:
            throw BodyError(
                message: "json: cannot unmarshal \(kind(of: other)) into Go struct field \(field) of type string")
        }
    }

    /// Go's name for a JSON value's kind.
    private static func kind(of value: Any) -> String {
        switch value {
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        case let number as NSNumber: isBoolean(number) ? "bool" : "number"
        default: "value"
        }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        let type = unsafe String(cString: number.objCType)
        return type == "c" || type == "B"
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

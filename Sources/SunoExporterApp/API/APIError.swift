import SunoExporterCore
import SunoHTTP
import SunoStore

/// A failed API request: the status, the message for `{"error": "..."}`, and any headers the
/// status needs (`Allow` for 405, `WWW-Authenticate` for 401, `Retry-After` for 503).
///
/// Status rule of the API: 400 when the request cannot be read at all (empty body, not JSON,
/// bad query parameter), 422 when the body is JSON but not a valid request (wrong types, missing
/// or empty `ids`, too many ids, an unknown action, bad ids or labels, not a task item).
package struct APIError: Error, Sendable, Equatable {
    package var status: Int
    package var message: String
    var headers: [Header] = []

    struct Header: Sendable, Equatable {
        var name: String
        var value: String
    }

    static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }

    static func unprocessable(_ message: String) -> APIError { APIError(status: 422, message: message) }

    static func notFound(_ message: String) -> APIError { APIError(status: 404, message: message) }

    static func methodNotAllowed(_ method: String, allow: [String]) -> APIError {
        APIError(
            status: 405, message: "method \(method) not allowed here; allowed: \(allow.joined(separator: ", "))",
            headers: [Header(name: "Allow", value: allow.joined(separator: ", "))])
    }

    /// A store failure: 503 with `Retry-After`, as the store recovers by itself (a lock released,
    /// space freed). Nothing was committed: a registration that fails is never acknowledged.
    static func store(_ error: any Error) -> APIError {
        let failure = StorageFailure(error)
        let wait = failure == .locked ? "1" : "30"
        return APIError(
            status: 503, message: "store unavailable (\(failure.summary)), retry later",
            headers: [Header(name: "Retry-After", value: wait)])
    }

    var response: HTTPResponse {
        APIResponse.json(
            status, .object(["error": .string(message)]), headers: headers.map { ($0.name, $0.value) })
    }
}

/// Successful API answers.
enum APIResponse {
    static func json(_ status: Int, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var bytes = value.bytes
        bytes.append(UInt8(ascii: "\n"))
        return HTTPResponse(
            status: status,
            headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + headers,
            body: .bytes(bytes))
    }

    static let noContent = HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")])
}

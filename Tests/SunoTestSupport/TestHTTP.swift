import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP answer (of the exporter, the simulator or Prometheus), as a test sees it.
package struct HTTPReply: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: Data

    package var text: String { String(decoding: body, as: UTF8.self) }

    /// A header by case-insensitive name.
    package func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The body as a JSON object (fails the test when it is not one).
    package func object(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
    }

    /// `data` of a gateway batch answer as items (fails the test when it is not an array).
    package func items(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let data = try object(sourceLocation: sourceLocation)["data"]
        return try #require(data as? [[String: Any]], "data is not an array: \(text)", sourceLocation: sourceLocation)
    }

    /// `error` of a JSON error body (nil when the body is not one).
    package var errorMessage: String? {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? String
    }
}

/// Plain HTTP for tests over real sockets (URLSession), every request bounded by a timeout.
///
/// Each request gets its own ephemeral session: on Linux a session runs all of its transfers on one
/// serial queue, so one shared session would let a test that floods a server (TaskAPIConcurrencyTests)
/// delay the requests, and trip the short timeouts, of tests running beside it.
package enum TestHTTP {
    private static func makeSession() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        return URLSession(configuration: configuration)
    }

    /// Sends `body` (with `contentType` when there is a body); `timeout` overrides the session's
    /// request timeout for this request.
    package static func send(
        _ method: String, _ url: String, body: Data? = nil, contentType: String? = "application/json",
        headers: [String: String] = [:], timeout: Double? = nil
    ) async throws -> HTTPReply {
        var request = URLRequest(url: try #require(URL(string: url), "bad URL \(url)"))
        request.httpMethod = method
        if let timeout { request.timeoutInterval = timeout }
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = makeSession()
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return HTTPReply(status: http.statusCode, headers: fields, body: data)
    }

    /// Sends `text` as UTF-8 (no body when nil).
    package static func send(
        _ method: String, _ url: String, text: String?, contentType: String? = "application/json",
        headers: [String: String] = [:], timeout: Double? = nil
    ) async throws -> HTTPReply {
        try await send(
            method, url, body: text.map { Data($0.utf8) }, contentType: contentType, headers: headers,
            timeout: timeout)
    }

    /// Sends `json` serialized by JSONSerialization, as `application/json`.
    package static func send(
        _ method: String, _ url: String, json: [String: Any], headers: [String: String] = [:],
        timeout: Double? = nil
    ) async throws -> HTTPReply {
        try await send(
            method, url, body: try JSONSerialization.data(withJSONObject: json), headers: headers, timeout: timeout)
    }
}

/// An integer field of a JSON object (JSONSerialization gives NSNumber).
package func jsonInt(_ value: Any?) -> Int? {
    (value as? NSNumber)?.intValue
}

/// An integer field of a JSON object, as Int64 (Unix seconds).
package func jsonInt64(_ value: Any?) -> Int64? {
    (value as? NSNumber)?.int64Value
}

import SunoHTTP

/// The answers the fake gateway (and its edge) gives, with the gateway's bodies and content types
/// (COMETAPI.md §8).
enum GatewayResponses {
    /// gin's `c.JSON` content type.
    static let jsonContentType = "application/json; charset=utf-8"
    /// What the client sees when gin's `BindJSON` already wrote the 400 status.
    static let plainTextContentType = "text/plain; charset=utf-8"

    /// `{"code":"success","message":"","data":…}` with status 200.
    static func success(_ data: JSONValue) -> HTTPResponse {
        json(200, .object([("code", .string("success")), ("message", .string("")), ("data", data)]))
    }

    /// The task envelope `{"code","message","data":null}`.
    static func taskError(_ status: Int, code: String, message: String, contentType: String = jsonContentType)
        -> HTTPResponse
    {
        json(
            status, .object([("code", .string(code)), ("message", .string(message)), ("data", .null)]),
            contentType: contentType)
    }

    /// The middleware's OpenAI envelope, CometAPI flavour.
    static func openAIError(_ status: Int, message: String, requestID: String) -> HTTPResponse {
        json(
            status,
            .object([
                (
                    "error",
                    .object([
                        ("message", .string("\(message) (request id: \(requestID))")),
                        ("type", .string("comet_api_error")), ("code", .string("")),
                    ])
                )
            ]))
    }

    /// `401 Invalid token`.
    static func unauthorized(requestID: String) -> HTTPResponse {
        openAIError(401, message: "Invalid token", requestID: requestID)
    }

    /// gin's NoRoute answer.
    static let notFound = HTTPResponse(status: 404, contentType: plainTextContentType, text: "404 page not found")

    /// `c.Status(429)`: no body, no content type, no `Retry-After`.
    static let rateLimited = HTTPResponse(status: 429)

    /// An answer cut in the middle of the first item.
    static let malformed = HTTPResponse(
        status: 200, contentType: jsonContentType,
        text:
            #"{"code":"success","message":"","data":[{"task_id":"5b0f3c1e-2a4d-4c8e-9f10-3d2b7a6c8e01","status":"IN_PR"#
    )

    /// The edge proxy's error page.
    static let htmlErrorPage = HTTPResponse(
        status: 502, contentType: "text/html; charset=utf-8",
        text: """
            <html>
            <head><title>502 Bad Gateway</title></head>
            <body>
            <center><h1>502 Bad Gateway</h1></center>
            <hr><center>nginx</center>
            </body>
            </html>

            """)

    /// A 5xx from the task handler: the DB error of a fetch, or the relay error of a submit.
    static func serverError(_ status: Int, endpoint: SimulatorEndpoint) -> HTTPResponse {
        switch endpoint {
        case .fetchBatch: taskError(status, code: "get_tasks_failed", message: "database is locked")
        case .fetchOne: taskError(status, code: "get_task_failed", message: "database is locked")
        default: taskError(status, code: "fail_to_fetch_task", message: "请求上游地址失败")
        }
    }

    private static func json(_ status: Int, _ value: JSONValue, contentType: String = jsonContentType)
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: .bytes(value.bytes))
    }
}

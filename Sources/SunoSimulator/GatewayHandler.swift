import SunoHTTP

/// Routes one HTTP request of the fake gateway: edge faults first, then auth, then the task handlers.
/// Runs on libmicrohttpd threads; every answer carries `X-Oneapi-Request-Id`.
struct GatewayHandler: Sendable {
    let engine: SimulatorEngine

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let requestID = engine.nextRequestID()
        var response = route(request, requestID: requestID)
        response.headers.append(("X-Oneapi-Request-Id", requestID))
        engine.logger.trace(
            "request answered",
            metadata: [
                "http.method": "\(request.method)", "http.path": "\(request.path)", "http.status": "\(response.status)",
            ])
        return response
    }

    private func route(_ request: HTTPRequest, requestID: String) -> HTTPResponse {
        let route = Route(method: request.method, path: request.path)
        switch engine.admit(route.endpoint) {
        case .none: break
        case .rateLimitEmptyBody: return GatewayResponses.rateLimited
        case .serverError(let status): return GatewayResponses.serverError(status, endpoint: route.endpoint)
        case .slow(let seconds): engine.sleep(seconds: seconds)
        case .malformedJSON: return GatewayResponses.malformed
        case .htmlErrorPage: return GatewayResponses.htmlErrorPage
        case .unauthorized: return GatewayResponses.unauthorized(requestID: requestID)
        }
        if case .notFound = route { return GatewayResponses.notFound }
        if case .quota = route { return quota(request) }
        guard isAuthorized(request) else {
            engine.record { $0.unauthorized += 1 }
            return GatewayResponses.unauthorized(requestID: requestID)
        }
        switch route {
        case .fetchBatch: return fetchBatch(request.body)
        case .fetchOne(let id): return fetchOne(id)
        case .submit(let action): return submit(request.body, action: action)
        case .submitOther: return GatewayResponses.taskError(400, code: "invalid_request", message: "invalid_action")
        case .quota, .notFound: return GatewayResponses.notFound
        }
    }

    /// new-api's token auth: an optional `Bearer ` prefix (case-sensitive), then a leading `sk-` ignored and
    /// the key cut at its first `-` (the rest selects a channel), on both sides.
    private func isAuthorized(_ request: HTTPRequest) -> Bool {
        guard let expected = engine.configuration.apiKey else { return true }
        guard let header = request.header("authorization") else { return false }
        var presented = Substring(header)
        if presented.hasPrefix("Bearer ") { presented = presented.dropFirst("Bearer ".count) }
        let key = Self.tokenKey(presented)
        return !key.isEmpty && key == Self.tokenKey(Substring(expected))
    }

    private static func tokenKey(_ text: Substring) -> Substring {
        let key = text.hasPrefix("sk-") ? text.dropFirst(3) : text
        return key.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).first ?? key
    }

    /// `GET /user/quota?key=…`: the quota service authenticates by the `key` query argument (same key
    /// rule as the task API). The refusal's shape is not documented; a JSON error object is a guess.
    private func quota(_ request: HTTPRequest) -> HTTPResponse {
        if let expected = engine.configuration.apiKey {
            let presented = Self.tokenKey(Substring(request.queryValue("key") ?? ""))
            guard !presented.isEmpty, presented == Self.tokenKey(Substring(expected)) else {
                engine.record { $0.unauthorized += 1 }
                return HTTPResponse(
                    status: 401, headers: [("Content-Type", GatewayResponses.jsonContentType)],
                    body: .bytes(JSONValue.object([("error", .string("invalid key"))]).bytes))
            }
        }
        return HTTPResponse(
            status: 200, headers: [("Content-Type", GatewayResponses.jsonContentType)],
            body: .bytes(engine.accountState().quotaAnswer.bytes))
    }

    /// `POST /suno/fetch`.
    private func fetchBatch(_ body: [UInt8]) -> HTTPResponse {
        let query: FetchQuery
        do {
            query = try RequestBodies.fetchQuery(body)
        } catch {
            return GatewayResponses.taskError(
                400, code: "invalid_request", message: error.message,
                contentType: GatewayResponses.plainTextContentType)
        }
        let plans = query.ids.isEmpty ? [] : engine.tasks(withIDs: query.ids)
        let now = engine.now()
        engine.record { stats in
            stats.fetchRequests += 1
            stats.idsRequested += query.count
            stats.itemsReturned += plans.count
            stats.largestBatch = max(stats.largestBatch, query.count)
        }
        // new-api: no ids → []; ids but no match → the nil slice, `null`.
        if query.count == 0 { return GatewayResponses.success(.array([])) }
        if plans.isEmpty { return GatewayResponses.success(.null) }
        return GatewayResponses.success(.array(plans.map { engine.encoder.item($0, $0.snapshot(at: now)) }))
    }

    /// `GET /suno/fetch/{id}`.
    private func fetchOne(_ id: String) -> HTTPResponse {
        guard let plan = engine.task(withID: id) else {
            return GatewayResponses.taskError(400, code: "task_not_exist", message: "task_not_exist")
        }
        return GatewayResponses.success(engine.encoder.item(plan, plan.snapshot(at: engine.now())))
    }

    /// `POST /suno/submit/{music,lyrics}`.
    private func submit(_ body: [UInt8], action: SimulatedAction) -> HTTPResponse {
        var request: SubmitRequest
        do {
            request = try RequestBodies.submitRequest(body, action: action)
        } catch {
            return GatewayResponses.taskError(400, code: "invalid_request", message: error.message)
        }
        if action == .lyrics {
            guard !(request.prompt ?? "").isEmpty else {
                return GatewayResponses.taskError(400, code: "invalid_request", message: "prompt_empty")
            }
            request.model = nil  // the gateway has no model for lyrics; `mv` is ignored
        }
        return GatewayResponses.success(.string(engine.submit(request)))
    }
}

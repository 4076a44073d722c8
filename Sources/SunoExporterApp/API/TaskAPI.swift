import Foundation
import Logging
import SunoExporterCore
import SunoHTTP
import SunoStore
import SunoUpstream

/// The watch-list HTTP API of DESIGN.md §4 (`/api/v1/...`).
///
/// Runs on libmicrohttpd's threads and is synchronous throughout: the store is called directly
/// (its Mutex serialises it with the collector), never through an await.
///
/// Order of checks, so a client learns the most basic problem first: path (404), method (405 with
/// `Allow`), write authorization (401/403), then the request itself (400/422). Every error is JSON
/// `{"error": "..."}` (see `APIError` for the 400/422 rule). Request bodies are parsed as JSON
/// whatever their Content-Type, as the gateway does, so `curl -d` works without `-H`.
public struct TaskAPI: Sendable {
    let store: TaskStore
    let collector: Collector
    let authorization: WriteAuthorization
    let logger: Logger
    let clock: @Sendable () -> Double
    /// Redacted from hook bodies before they are kept, as from polled answers.
    let gatewayKey: APIKey?

    /// - Parameters:
    ///   - apiToken: the bearer token writes need (`--web.api-token-file`); nil accepts writes from
    ///     loopback clients only.
    ///   - gatewayKey: the gateway key, which a hook's texts must not carry into the store.
    public init(
        store: TaskStore, collector: Collector, apiToken: String? = nil,
        logger: Logger = Logger(label: "suno-exporter.api", factory: { _ in SwiftLogNoOpLogHandler() }),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, gatewayKey: APIKey? = nil
    ) {
        self.store = store
        self.collector = collector
        self.authorization = WriteAuthorization(token: apiToken)
        self.logger = logger
        self.clock = clock
        self.gatewayKey = gatewayKey
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        do {
            return try route(request)
        } catch {
            if error.status >= 500 {
                logger.error(
                    "api request failed",
                    metadata: [
                        "http.method": "\(request.method)", "http.path": "\(request.path)", "error": "\(error.message)",
                    ])
            }
            return error.response
        }
    }

    private func route(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        guard let route = APIRoute(path: request.path) else {
            throw .notFound("no such path: \(request.path)")
        }
        let method = request.method
        guard route.allowedMethods.contains(method) else {
            throw .methodNotAllowed(method, allow: route.allowedMethods)
        }
        if APIRoute.isWrite(method) {
            try authorization.check(request, allowQueryToken: route == .sunoHook)
        }
        switch (route, method) {
        case (.tasks, "POST"): return try register(request)
        case (.tasks, _): return try list(request)
        case (.task(let id), "DELETE"): return try forget(id)
        case (.task(let id), _): return try show(id)
        case (.sunoHook, _): return try ingestHook(request)
        }
    }
}

import SunoExporterCore
import SunoHTTP

/// Maps requests to handlers. Runs on libmicrohttpd threads: everything here is synchronous and
/// the metrics path touches neither SQLite nor the network.
public struct Router: Sendable {
    let telemetryPath: String
    let publisher: SnapshotPublisher
    let state: ExporterState
    let isStoreOpen: @Sendable () -> Bool
    let api: TaskAPI?
    let landingPage: LandingPage?
    let proxy: SubmitProxy?

    public init(
        telemetryPath: String, publisher: SnapshotPublisher, state: ExporterState, api: TaskAPI? = nil,
        landingPage: LandingPage? = nil, proxy: SubmitProxy? = nil,
        isStoreOpen: @escaping @Sendable () -> Bool = { true }
    ) {
        self.telemetryPath = telemetryPath
        self.publisher = publisher
        self.state = state
        self.api = api
        self.landingPage = landingPage
        self.proxy = proxy
        self.isStoreOpen = isStoreOpen
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if path == telemetryPath {
            return MetricsEndpoint.respond(to: request, with: publisher.exposition)
        }
        switch path {
        case "/-/healthy":
            return readOnly(request) { .text(200, "Healthy\n") }
        case "/-/ready":
            return readOnly(request) {
                guard isStoreOpen() else { return .text(503, "Not ready: store closed\n") }
                if let problem = state.storeProblem { return .text(503, "Not ready: \(problem)\n") }
                guard state.firstCycleDone.load(ordering: .acquiring) else {
                    return .text(503, "Not ready: first collector cycle still running\n")
                }
                return .text(200, "Ready\n")
            }
        case "/":
            if let landingPage { return readOnly(request) { landingPage.render() } }
        default:
            if let api, path.hasPrefix("/api/") { return api.handle(request) }
            if let proxy, path.hasPrefix("/suno/"), let answer = proxy.handle(request) { return answer }
        }
        return APIError.notFound("no such path: \(path)").response
    }

    private func readOnly(_ request: HTTPRequest, _ body: () -> HTTPResponse) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return APIError.methodNotAllowed(request.method, allow: ["GET", "HEAD"]).response
        }
        return body()
    }
}

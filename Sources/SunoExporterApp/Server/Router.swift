import Foundation
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

    public init(
        telemetryPath: String, publisher: SnapshotPublisher, state: ExporterState, api: TaskAPI? = nil,
        landingPage: LandingPage? = nil, isStoreOpen: @escaping @Sendable () -> Bool = { true }
    ) {
        self.telemetryPath = telemetryPath
        self.publisher = publisher
        self.state = state
        self.api = api
        self.landingPage = landingPage
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
                guard state.firstCycleDone.load(ordering: .acquiring) else {
                    return .text(503, "Not ready: first collector cycle still running\n")
                }
                return .text(200, "Ready\n")
            }
        case "/":
            if let landingPage { return readOnly(request) { landingPage.render() } }
        default:
            if let api, path.hasPrefix("/api/") { return api.handle(request) }
        }
        return HTTPResponse(
            status: 404, contentType: "application/json", text: "{\"error\":\"no such path: \(JSONText.escape(path))\"}")
    }

    private func readOnly(_ request: HTTPRequest, _ body: () -> HTTPResponse) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(
                status: 405, contentType: "application/json", text: "{\"error\":\"method \(JSONText.escape(request.method)) not allowed\"}",
                headers: [("Allow", "GET, HEAD")])
        }
        return body()
    }
}

/// Minimal JSON string escaping for hand-written error bodies.
public enum JSONText {
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

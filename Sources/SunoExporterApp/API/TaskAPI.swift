import Foundation
import SunoExporterCore
import SunoHTTP
import SunoStore

/// The watch-list HTTP API of DESIGN.md §4 (`/api/v1/...`).
public struct TaskAPI: Sendable {
    let store: TaskStore
    let collector: Collector
    let clock: @Sendable () -> Double

    public init(store: TaskStore, collector: Collector, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.collector = collector
        self.clock = clock
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 404, contentType: "application/json", text: "{\"error\":\"not implemented yet\"}")
    }
}

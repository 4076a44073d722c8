import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoStore
import SunoUpstream
import Synchronization

/// A fully assembled exporter (store on a temporary SQLite file, collector, router, libmicrohttpd
/// daemon on 127.0.0.1 port 0). The collector is not started: tests drive it when they need it.
package final class APITestServer: Sendable {
    package let scratch: ScratchDirectory
    package let assembly: ExporterApp.Assembly
    package let port: UInt16

    /// A gateway URL nothing listens on (the discard port): a cycle fails fast without network.
    package static let deadGateway = "http://127.0.0.1:9"

    package init(
        apiToken: String? = nil, apiKey: APIKey? = nil, gatewayURL: String = deadGateway,
        collector: CollectorSettings = CollectorSettings()
    ) throws {
        let scratch = try ScratchDirectory()
        self.scratch = scratch
        let configuration = ServeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), apiToken: apiToken, baseURL: gatewayURL, apiKey: apiKey,
            storagePath: scratch.path("exporter.db"), requestTimeout: 5, collector: collector)
        do {
            assembly = try ExporterApp.assemble(configuration, baseURL: gatewayURL, logger: quietLogger)
            port = try assembly.server.start()
        } catch {
            scratch.remove()
            throw error
        }
    }

    /// The server's temporary directory (its database lives here).
    package var directory: URL { scratch.url }

    package var store: TaskStore { assembly.store }
    package var databasePath: String { assembly.store.path }
    package var baseURL: String { "http://127.0.0.1:\(port)" }
    package var tasksURL: String { baseURL + "/api/v1/tasks" }
    package var hookURL: String { baseURL + "/api/v1/hooks/suno" }

    /// `/api/v1/tasks/{id}` with the id percent-encoded as one path segment.
    package func taskURL(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return tasksURL + "/" + (id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id)
    }

    package func stop() {
        assembly.server.stop()
        scratch.remove()
    }
}

/// Runs `body` against a fresh server and always stops it and deletes its files.
package func withAPIServer(
    apiToken: String? = nil, apiKey: APIKey? = nil, gatewayURL: String = APITestServer.deadGateway,
    collector: CollectorSettings = CollectorSettings(), _ body: (APITestServer) async throws -> Void
) async throws {
    let server = try APITestServer(apiToken: apiToken, apiKey: apiKey, gatewayURL: gatewayURL, collector: collector)
    defer { server.stop() }
    try await body(server)
}

/// A gateway task item, as the fetch answer and the notify_hook body carry it.
package func taskItem(
    _ id: String, action: String = "MUSIC", status: String, progress: String = "0%", failReason: String = "",
    submit: Int64, start: Int64 = 0, finish: Int64 = 0, model: String? = nil
) -> [String: Any] {
    var data: Any = NSNull()
    if let model {
        data = [["id": "clip-\(id)", "status": status == "SUCCESS" ? "complete" : "queued", "model_name": model]]
    }
    return [
        "task_id": id, "notify_hook": "", "action": action, "status": status, "fail_reason": failReason,
        "submit_time": submit, "start_time": start, "finish_time": finish, "progress": progress, "data": data,
    ]
}

/// A flag shared with concurrent tasks.
package final class APITestFlag: Sendable {
    private let value: Atomic<Bool>
    package init(_ initial: Bool) { value = Atomic(initial) }
    package var isSet: Bool { value.load(ordering: .acquiring) }
    package func clear() { value.store(false, ordering: .releasing) }
}

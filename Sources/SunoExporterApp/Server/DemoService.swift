import Foundation
import Logging
import ServiceLifecycle
import SunoExporterCore
import SunoSimulator
import SunoStore

/// `--demo`: submits a steady workload to the in-process simulator and registers every task id it
/// gets back (source `demo`), exactly as a user would register ids returned by the real gateway.
struct DemoService: Service {
    let simulator: SunoSimulator
    let store: TaskStore
    let logger: Logger

    func run() async throws {
        let store = self.store
        let logger = self.logger
        let workload = DemoWorkload(simulator: simulator, logger: logger) { id, action, model in
            let registration = Registration(id: id, action: TaskAction(parsing: action) ?? .music, model: model)
            do {
                // On the store's writer thread, not on the pool this callback runs on.
                try await store.registerInBackground(
                    [registration], source: "demo", now: Date().timeIntervalSince1970)
            } catch {
                logger.error("demo registration failed", metadata: ["error": "\(error)"])
            }
        }
        await cancelWhenGracefulShutdown {
            await workload.run()
        }
    }
}

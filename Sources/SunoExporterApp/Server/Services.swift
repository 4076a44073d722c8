import Logging
import ServiceLifecycle
import SunoHTTP
import Synchronization

/// Keeps the libmicrohttpd daemon (already started, so bind errors surface before anything runs)
/// serving until graceful shutdown, then stops it.
struct HTTPServerService: Service {
    let server: HTTPServer
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        server.stop()
        logger.info("http server stopped")
    }
}

/// Runs collector cycles until graceful shutdown; the cycle in flight finishes and commits first.
struct CollectorService: Service {
    let collector: Collector

    func run() async throws {
        let stop = StopFlag()
        await withGracefulShutdownHandler {
            await collector.run(shouldStop: { stop.isSet })
        } onGracefulShutdown: {
            stop.set()
        }
    }
}

/// A one-way flag set from the graceful-shutdown handler.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// Does nothing until graceful shutdown: lets a command wait for SIGTERM/SIGINT.
struct WaitForShutdownService: Service {
    func run() async throws {
        try? await gracefulShutdown()
    }
}

extension ExporterApp {
    /// Suspends until SIGTERM or SIGINT.
    public static func waitForTermination(logger: Logger) async throws {
        try await ServiceGroup(
            services: [WaitForShutdownService()], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ).run()
    }
}

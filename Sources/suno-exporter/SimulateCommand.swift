import ArgumentParser
import Foundation
import SunoExporterApp
import SunoSimulator

/// `suno-exporter simulate`: run the gateway simulator alone, to point an exporter at it like at the real gateway.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the CometAPI gateway simulator on its own (POST /suno/fetch, submit endpoints).")

    @Option(name: .customLong("listen"), help: "Address to listen on, host:port.")
    var listen = "127.0.0.1:9878"

    @Option(
        name: .customLong("time-scale"),
        help: "Multiplier for every task timeline (1 = realistic, 0.1 = ten times faster).")
    var timeScale = 1.0

    @Option(name: .customLong("seed"), help: "Seed of the simulator's randomness (same seed, same task fates).")
    var seed: UInt64 = 1

    @Option(name: .customLong("api-key-file"), help: "If set, requests must carry this key as a bearer token.")
    var apiKeyFile: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try parsedListen()
        guard timeScale > 0 else { throw ValidationError("--time-scale must be positive (got \(timeScale))") }
    }

    func parsedListen() throws -> ListenAddress {
        do { return try ListenAddress(parsing: listen) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "suno-simulator")
        let address = try parsedListen()
        var configuration = SimulatorConfiguration.demo()
        configuration.host = address.host.isEmpty ? "0.0.0.0" : address.host
        configuration.port = address.port
        configuration.timeScale = timeScale
        configuration.seed = seed
        if let apiKeyFile {
            configuration.apiKey = try ServeCommand.readToken(apiKeyFile)
        }
        let simulator = SunoSimulator(configuration: configuration, logger: logger)
        do {
            try simulator.start()
        } catch {
            logger.error("simulator failed to start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("simulator listening", metadata: ["url": "\(simulator.baseURL)"])
        try await ExporterApp.waitForTermination(logger: logger)
        simulator.stop()
        logger.info("simulator stopped")
    }
}

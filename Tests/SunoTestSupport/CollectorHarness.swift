import Foundation
import Logging
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import SunoUpstream

/// An exporter assembled on a temporary store, polling a simulator on a loopback port, both on one
/// manual clock: a test advances time and runs cycles itself, so hours of task life take seconds.
package final class CollectorHarness {
    package let scratch: ScratchDirectory
    package let clock: ManualClock
    package let simulator: SunoSimulator
    package let assembly: ExporterApp.Assembly
    package let metricsURL: String

    /// `requestTimeout` bounds each gateway request, in seconds: generous by default, so that a loaded
    /// machine answering slowly does not turn into timeouts and retries the test did not ask for.
    package init(
        models: [ModelProfile], settings: CollectorSettings = CollectorSettings(batchSize: 7, concurrency: 2),
        seed: UInt64 = 42, startServer: Bool = true, gatewayKey: String? = nil, exporterKey: String? = nil,
        requestTimeout: Double = 10, logger: Logger = quietLogger
    ) throws {
        scratch = try ScratchDirectory()
        let clock = ManualClock(now: 1_780_000_000)
        self.clock = clock
        var simulatorConfiguration = SimulatorConfiguration(
            models: models, seed: seed, clock: .manual(clock))
        simulatorConfiguration.clipExtraFields = true
        simulatorConfiguration.apiKey = gatewayKey
        simulator = SunoSimulator(configuration: simulatorConfiguration, logger: quietLogger)
        try simulator.start()
        let configuration = ServeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: scratch.path("exporter.db"),
            requestTimeout: requestTimeout, collector: settings)
        var withKey = configuration
        withKey.apiKey = exporterKey.map(APIKey.init)
        assembly = try ExporterApp.assemble(
            withKey, baseURL: simulator.baseURL, logger: logger, clock: { clock.now })
        if startServer {
            let port = try assembly.server.start()
            metricsURL = "http://127.0.0.1:\(port)/metrics"
        } else {
            metricsURL = ""
        }
    }

    /// Submits tasks to the simulator and registers their ids, as a user of the gateway would.
    @discardableResult
    package func submitAndRegister(_ count: Int, action: String = "MUSIC", models: [String?]) throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let model = models[index % models.count]
            let id = simulator.submit(action: action, model: model, prompt: "test \(index)")
            ids.append(id)
            try assembly.store.register(
                [Registration(id: id, action: TaskAction(parsing: action) ?? .music, model: model)], source: "api",
                now: clock.now)
        }
        return ids
    }

    /// Advances the shared clock by `step` seconds and runs one cycle, `count` times.
    package func runCycles(_ count: Int, step: Double) async {
        for _ in 0..<count {
            clock.advance(by: step)
            await assembly.collector.runCycle()
        }
    }

    package func scrape() async throws -> ExpositionSamples {
        let reply = try await TestHTTP.send("GET", metricsURL)
        precondition(reply.status == 200, "metrics answered \(reply.status)")
        return ExpositionSamples(reply.text)
    }

    package func stop() {
        assembly.server.stop()
        simulator.stop()
        scratch.remove()
    }
}

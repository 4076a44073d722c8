import Foundation
import Logging
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import SunoUpstream

/// An exporter with the submit proxy on (and balance polling when a quota key is given), on a
/// temporary store, in front of a simulator on a loopback port (or any gateway URL), both on one
/// manual clock. The collector and the quota poller are not started: tests drive them. Every log
/// line is captured, so a test can check that no key ever reaches the logs.
final class ProxyHarness {
    let scratch: ScratchDirectory
    let clock: ManualClock
    let simulator: SunoSimulator
    let assembly: ExporterApp.Assembly
    let port: UInt16
    let logs: CapturedLogs

    /// - Parameters:
    ///   - gatewayKey: the key the simulator requires (nil: any request is accepted).
    ///   - exporterKey: the collector's own key (`COMETAPI_KEY`).
    ///   - gatewayURL: where the exporter forwards and polls; the simulator by default.
    ///   - quotaKey: turns balance polling on, against the simulator's `/user/quota`.
    init(
        models: [ModelProfile] = [.anyMusic, .anyLyrics], gatewayKey: String? = nil, exporterKey: String? = nil,
        gatewayURL: String? = nil, proxy: ProxySettings? = ProxySettings(timeout: 60, maxInFlight: 8),
        quotaKey: String? = nil, account: SimulatorAccount = SimulatorAccount(),
        settings: CollectorSettings = CollectorSettings(batchSize: 20, concurrency: 2)
    ) throws {
        scratch = try ScratchDirectory()
        let clock = ManualClock(now: 1_780_000_000)
        self.clock = clock
        var simulatorConfiguration = SimulatorConfiguration(
            apiKey: gatewayKey, models: models, seed: 7, earlyStartShare: 0, clock: .manual(clock), account: account)
        simulatorConfiguration.clipExtraFields = true
        simulator = SunoSimulator(configuration: simulatorConfiguration, logger: quietLogger)
        try simulator.start()
        let base = gatewayURL ?? simulator.baseURL
        var configuration = ServeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), baseURL: base,
            apiKey: exporterKey.map(APIKey.init), storagePath: scratch.path("exporter.db"), requestTimeout: 10,
            collector: settings, proxy: proxy)
        let quotaURL = simulator.baseURL + "/user/quota"
        configuration.quota = quotaKey.map {
            QuotaSettings(url: quotaURL, key: APIKey($0), interval: 300, timeout: 10)
        }
        let logs = CapturedLogs()
        self.logs = logs
        do {
            assembly = try ExporterApp.assemble(configuration, baseURL: base, logger: logs.logger, clock: { clock.now })
            port = try assembly.server.start()
        } catch {
            simulator.stop()
            scratch.remove()
            throw error
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var store: TaskStore { assembly.store }

    /// `POST /suno/submit/{action}` through the proxy.
    func submit(
        _ action: String = "music", json: String, key: String? = nil, timeout: Double? = nil
    ) async throws -> HTTPReply {
        try await TestHTTP.send(
            "POST", baseURL + "/suno/submit/" + action, text: json,
            headers: key.map { ["Authorization": "Bearer \($0)"] } ?? [:], timeout: timeout)
    }

    /// Advances the shared clock by `step` seconds and runs one collector cycle, `count` times.
    func runCycles(_ count: Int, step: Double) async {
        for _ in 0..<count {
            clock.advance(by: step)
            await assembly.collector.runCycle()
        }
    }

    /// Publishes a snapshot now and scrapes it.
    func scrape() async throws -> ExpositionSamples {
        try assembly.publisher.publish(now: clock.now)
        let reply = try await TestHTTP.send("GET", baseURL + "/metrics")
        precondition(reply.status == 200, "metrics answered \(reply.status)")
        return ExpositionSamples(reply.text)
    }

    /// Every byte the store left on disk (database, WAL, shared memory), to search for secrets.
    func storeFiles() -> [UInt8] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scratch.url.path)) ?? []
        return names.flatMap { name in
            (try? [UInt8](Data(contentsOf: scratch.url.appendingPathComponent(name)))) ?? []
        }
    }

    /// The simulator first: its slow answers end at once, so no proxied request holds the server's stop.
    func stop() {
        simulator.stop()
        assembly.server.stop()
        scratch.remove()
    }
}

extension Array where Element == UInt8 {
    /// True when `text`'s UTF-8 bytes occur anywhere in these bytes.
    func contains(text: String) -> Bool {
        let needle = Array(text.utf8)
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { start in
            self[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}

import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoTestSupport
import Testing

/// A garbage answer, a 401, a 429 storm, a timeout: the exporter stays up, shows it in
/// `suno_upstream_*`, logs one clear line per cycle, and never logs the key.
@Suite(.serialized)
struct BadGatewayTests {
    static let key = "sk-test0123456789abcdefSECRET"
    static let profiles = [
        ModelProfile(
            action: .music, model: "chirp-v4",
            timeline: PhaseTimeline(toSubmitted: 2...5, toQueued: 2...5, toInProgress: 5...10, toDone: 20...40))
    ]

    func harness(
        _ logs: CapturedLogs, exporterKey: String = BadGatewayTests.key, requestTimeout: Double = 10
    ) throws -> CollectorHarness {
        let harness = try CollectorHarness(
            models: Self.profiles, settings: CollectorSettings(batchSize: 5, concurrency: 2), gatewayKey: Self.key,
            exporterKey: exporterKey, requestTimeout: requestTimeout, logger: logs.logger)
        try harness.submitAndRegister(12, models: ["chirp-v4"])
        return harness
    }

    @Test(arguments: [
        (SimulatorFault.malformedJSON, "decode"),
        (.htmlErrorPage, "502"),
        (.rateLimitEmptyBody, "429"),
        (.serverError(503), "503"),
    ])
    func faultsAreCountedLoggedOncePerCycleAndSurvived(_ fault: SimulatorFault, _ code: String) async throws {
        let logs = CapturedLogs()
        let harness = try harness(logs)
        defer { harness.stop() }
        harness.simulator.setFault(fault)
        logs.clear()
        await harness.runCycles(2, step: 15)
        let failing = try await harness.scrape()
        #expect(failing.sum("suno_upstream_up") == 0)
        #expect(failing.sum("suno_upstream_requests_total", ["code": code]) > 0)
        #expect(failing.sum("suno_collector_last_success_timestamp_seconds") == 0)
        let pollFailures = logs.all.filter { $0.contains("msg=\"poll failed\"") }
        #expect(pollFailures.count == 2, "one line per cycle: \(pollFailures)")
        #expect(pollFailures.allSatisfy { $0.contains("level=warning") && $0.contains("error=") })
        // The gateway recovers: the exporter picks up where it was, nothing lost.
        harness.simulator.setFault(.none)
        await harness.runCycles(10, step: 15)
        let recovered = try await harness.scrape()
        #expect(recovered.sum("suno_upstream_up") == 1)
        #expect(recovered.sum("suno_tasks_finished_total") == 12)
        #expect(recovered.sum("suno_upstream_requests_total", ["code": "200"]) > 0)
        #expect(!logs.all.joined().contains(Self.key))
        #expect(!logs.all.joined().contains("0123456789abcdef"))
    }

    @Test func wrongKeyIsA401ThatIsNotRetriedAndNeverLogged() async throws {
        let logs = CapturedLogs()
        let wrongKey = "sk-wrong9876543210fedcbaXYZ"
        let harness = try harness(logs, exporterKey: wrongKey)
        defer { harness.stop() }
        let before = harness.simulator.stats.requests.values.reduce(0, +)
        await harness.runCycles(1, step: 15)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_upstream_up") == 0)
        // 12 ids in batches of 5: three calls, no retries on 401.
        #expect(metrics.sum("suno_upstream_requests_total", ["code": "401"]) == 3)
        #expect(harness.simulator.stats.requests.values.reduce(0, +) - before == 3)
        let text = logs.all.joined(separator: "\n")
        #expect(text.contains("poll failed"))
        #expect(!text.contains(wrongKey) && !text.contains("9876543210"))
        let body = try await TestHTTP.send("GET", harness.metricsURL).text
        #expect(!body.contains("9876543210"))
    }

    @Test func slowGatewayTimesOutAndTheLoopGoesOn() async throws {
        let logs = CapturedLogs()
        let harness = try harness(logs, requestTimeout: 1)
        defer { harness.stop() }
        // Held far past the 1 s request timeout, so the timeout wins even when it fires late on a loaded
        // machine; stopping the simulator ends the held answers.
        harness.simulator.setFault(.slow(seconds: 30))
        await harness.runCycles(1, step: 15)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_upstream_up") == 0)
        #expect(metrics.sum("suno_upstream_requests_total", ["code": "timeout"]) > 0)
        harness.simulator.setFault(.none)
        await harness.runCycles(10, step: 15)
        #expect(try await harness.scrape().sum("suno_tasks_finished_total") == 12)
    }

    @Test func a429BurstIsRetriedWithinTheCycle() async throws {
        let logs = CapturedLogs()
        let harness = try harness(logs)
        defer { harness.stop() }
        // Three empty-bodied 429s in a row: the client backs off and retries, the cycle still succeeds.
        harness.simulator.setFault(.rateLimitEmptyBody, forNextRequests: 3)
        await harness.runCycles(1, step: 15)
        let first = try await harness.scrape()
        #expect(first.sum("suno_upstream_requests_total", ["code": "429"]) == 3)
        #expect(first.sum("suno_upstream_requests_total", ["code": "200"]) == 3)
        #expect(first.sum("suno_upstream_up") == 1)
        #expect(first.sum("suno_collector_last_success_timestamp_seconds") == harness.clock.now)
        #expect(!logs.all.contains { $0.contains("poll failed") })
        await harness.runCycles(10, step: 15)
        #expect(try await harness.scrape().sum("suno_tasks_finished_total") == 12)
    }
}

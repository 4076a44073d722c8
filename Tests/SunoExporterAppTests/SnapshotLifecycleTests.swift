import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoHTTP
import SunoSimulator
import SunoStore
import SunoTestSupport
import Testing

/// What a scraper sees across the exporter's life: zero-initialised series, readiness, exemplars
/// in OpenMetrics, continuity across a restart, and pruning that never lowers a counter.
@Suite(.serialized)
struct SnapshotLifecycleTests {
    static let quick = PhaseTimeline(toSubmitted: 1...3, toQueued: 1...3, toInProgress: 2...5, toDone: 10...30)
    static let models = [
        ModelProfile(action: .music, model: "chirp-v4", timeline: quick, failureShare: 0.3),
        ModelProfile(action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 1...3)),
    ]

    static func seriesKeys(_ metrics: ExpositionSamples, _ name: String) -> Set<String> {
        Set(
            metrics.samples.filter { $0.name == name }.map { sample in
                sample.labels.keys.sorted().map { "\($0)=\(sample.labels[$0]!)" }.joined(separator: ",")
            })
    }

    @Test func seriesAreZeroInitialisedAndNeverVanish() async throws {
        let harness = try CollectorHarness(models: Self.models)
        defer { harness.stop() }
        try harness.assembly.publisher.publish(now: harness.clock.now)
        let empty = try await harness.scrape()
        // Before any task: every status × action for the `unknown` model, all at 0.
        #expect(Self.seriesKeys(empty, "suno_tasks").count == 2 * 5)
        #expect(empty.sum("suno_tasks") == 0)
        #expect(Self.seriesKeys(empty, "suno_tasks_finished_total").count == 2 * 3)
        #expect(Self.seriesKeys(empty, "suno_task_failures_total").count == 2 * FailureReason.allCases.count)
        #expect(empty.has("suno_task_duration_seconds_bucket"))

        try harness.submitAndRegister(6, models: ["chirp-v4"])
        await harness.runCycles(6, step: 15)
        let busy = try await harness.scrape()
        let keys = Self.seriesKeys(busy, "suno_tasks")
        #expect(keys.count == 2 * 2 * 5, "chirp-v4 joins with every status and both actions")
        #expect(keys.contains("action=LYRICS,model=chirp-v4,status=IN_PROGRESS"))

        // A restart on the same database: the same series exist before the first cycle, counters continue.
        let clock = harness.clock
        let restarted = try ExporterApp.assemble(
            ServeConfiguration(
                listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: harness.scratch.path("exporter.db")),
            baseURL: harness.simulator.baseURL, logger: quietLogger, clock: { clock.now })
        try restarted.publisher.publish(now: harness.clock.now)
        let again = ExpositionSamples(String(decoding: restarted.publisher.exposition.text.array, as: UTF8.self))
        #expect(Self.seriesKeys(again, "suno_tasks") == keys)
        #expect(again.sum("suno_tasks_finished_total") == busy.sum("suno_tasks_finished_total"))
        #expect(again.sum("suno_task_duration_seconds_sum") == busy.sum("suno_task_duration_seconds_sum"))
        #expect(again.sum("suno_tasks_registered_total") == 6)
    }

    @Test func readyOnlyAfterTheFirstCycle() async throws {
        let harness = try CollectorHarness(models: Self.models)
        defer { harness.stop() }
        let base = harness.metricsURL.replacingOccurrences(of: "/metrics", with: "")
        #expect(try await TestHTTP.send("GET", base + "/-/healthy").status == 200)
        #expect(try await TestHTTP.send("GET", base + "/-/ready").status == 503)
        await harness.runCycles(1, step: 15)
        #expect(try await TestHTTP.send("GET", base + "/-/ready").status == 200)
    }

    @Test func openMetricsCarriesTaskIDExemplarsOnDurationBuckets() async throws {
        let harness = try CollectorHarness(models: Self.models)
        defer { harness.stop() }
        let ids = try harness.submitAndRegister(4, models: ["chirp-v4"])
        await harness.runCycles(8, step: 15)
        let reply = try await TestHTTP.send(
            "GET", harness.metricsURL,
            headers: ["Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"])
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type")?.hasPrefix("application/openmetrics-text") == true)
        let text = reply.text
        #expect(text.hasSuffix("# EOF\n"))
        let exemplarLines = text.split(separator: "\n").filter {
            $0.hasPrefix("suno_task_duration_seconds_bucket") && $0.contains(" # {task_id=\"")
        }
        #expect(!exemplarLines.isEmpty)
        #expect(exemplarLines.allSatisfy { line in ids.contains { line.contains("task_id=\"\($0)\"") } })
        #expect(
            !text.contains("task_id=") || exemplarLines.count == text.components(separatedBy: "task_id=").count - 1,
            "task ids appear only in exemplars, never as labels")
        // The text format carries no exemplars.
        let plain = try await TestHTTP.send("GET", harness.metricsURL).text
        #expect(!plain.contains("task_id=\""))
    }

    @Test func pruningByRetentionNeverLowersCounters() async throws {
        let settings = CollectorSettings(retention: 86_400)
        let harness = try CollectorHarness(models: Self.models, settings: settings)
        defer { harness.stop() }
        try harness.submitAndRegister(5, models: ["chirp-v4"])
        await harness.runCycles(8, step: 15)
        let before = try await harness.scrape()
        #expect(before.sum("suno_tasks_finished_total") == 5)
        #expect(try harness.assembly.store.counts().tasks == 5)
        // Two days later (and past the hourly prune schedule), a cycle prunes finished history.
        harness.clock.advance(by: 2 * 86_400)
        await harness.runCycles(1, step: 15)
        #expect(try harness.assembly.store.counts().tasks == 0)
        #expect(try harness.assembly.store.counts().history == 0)
        let after = try await harness.scrape()
        for name in [
            "suno_tasks_finished_total", "suno_task_duration_seconds_sum", "suno_task_duration_seconds_count",
            "suno_task_failures_total", "suno_tasks_registered_total",
        ] {
            #expect(after.sum(name) == before.sum(name), "\(name) must not go down")
        }
    }

    /// Unchanged polls are counted in memory; the server's own reads include them at once, and
    /// another process (the CLI) sees them once they are flushed to the file.
    @Test func pollBookkeepingIsExactForTheServerAndReachesTheFileOnFlush() async throws {
        let hanging = [ModelProfile(action: .music, model: "chirp-v4", timeline: Self.quick, hangShare: 1)]
        let harness = try CollectorHarness(
            models: hanging, settings: CollectorSettings(policy: LifecyclePolicy(giveUpAfter: 86_400)))
        defer { harness.stop() }
        try harness.submitAndRegister(5, models: ["chirp-v4"])
        await harness.runCycles(12, step: 15)
        #expect(try harness.assembly.store.activeTasks().map(\.pollCount) == Array(repeating: 12, count: 5))
        let cli = try TaskStore(path: harness.scratch.path("exporter.db"))
        #expect(try cli.activeTasks().allSatisfy { $0.pollCount <= 12 })
        try harness.assembly.store.flushPollBookkeeping()
        let flushed = try cli.activeTasks()
        #expect(flushed.map(\.pollCount) == Array(repeating: 12, count: 5))
        #expect(flushed.allSatisfy { $0.lastPolled == harness.clock.now })
    }
}

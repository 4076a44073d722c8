import Foundation
import SunoExporterApp
import SunoExporterCore
import Testing

/// The whole metric catalogue rendered from a fixed state, in both formats, compared byte for byte
/// with the checked-in goldens, and linted by promtool and prometheus_client's two parsers.
/// `SUNO_UPDATE_GOLDEN=1 swift test --filter CatalogueGolden` rewrites the goldens.
struct CatalogueGoldenTests {
    static let now = 1_780_000_000.0

    /// A representative state: two admitted models (one hostile), some finishes, a stuck queue, self-metrics.
    static func families() -> [MetricFamily] {
        var deltas = AggregateDeltas()
        deltas.recordRegistration(source: "api", count: 12)
        deltas.recordRegistration(source: "hook", count: 1)
        deltas.recordNeverSeen(source: .proxy)
        let events: [(TaskEvent, TaskAction, String, String)] = [
            (.finished(outcome: .success, seconds: 95, reason: nil), .music, "chirp-v4", "task-a"),
            (.finished(outcome: .success, seconds: 130, reason: nil), .music, "chirp-v4", "task-b"),
            (.finished(outcome: .failure, seconds: 600, reason: .upstreamTimeout), .music, "chirp-\"x\\y", "task-c"),
            (.finished(outcome: .expired, seconds: 86_400, reason: nil), .music, "unknown", "task-d"),
            (.finished(outcome: .success, seconds: 0, reason: nil), .lyrics, "unknown", "task-e"),
            (.queueWait(seconds: 12), .music, "chirp-v4", "task-a"),
            (.firstAudio(seconds: 41), .music, "chirp-v4", "task-a"),
        ]
        for (event, action, model, id) in events {
            deltas.record(event, action: action, model: model, taskID: id, now: now)
        }
        var recorder = SelfMetricsSnapshot()
        recorder.upstreamUp = true
        recorder.requests = [.init(endpoint: "fetch", code: "200"): 40, .init(endpoint: "fetch", code: "429"): 2]
        var latency = Histogram(upperBounds: Histogram.requestBuckets)
        latency.observe(0.042)
        latency.observe(0.3)
        recorder.requestDurations = ["fetch": latency]
        recorder.idsRequested = 480
        recorder.idsMissing = 3
        recorder.lastSuccess = now
        recorder.cycleDurations.observe(0.12)
        var input = CatalogueInput(
            aggregates: deltas.values, exemplars: deltas.exemplars,
            groups: [
                ActiveGroup(
                    action: .music, model: "chirp-v4", status: .queued, count: 3, stuck: 1, oldestSubmit: now - 900),
                ActiveGroup(
                    action: .music, model: "chirp-\"x\\y", status: .inProgress, count: 1, stuck: 0,
                    oldestSubmit: now - 60),
                ActiveGroup(
                    action: .lyrics, model: "unknown", status: .notStart, count: 2, stuck: 0, oldestSubmit: now - 10),
            ],
            failureWindows: [
                FailureWindow(name: "15m", action: "MUSIC", model: "chirp-v4", failures: 0, finished: 2),
                FailureWindow(name: "15m", action: "MUSIC", model: "chirp-\"x\\y", failures: 1, finished: 1),
                FailureWindow(name: "1h", action: "MUSIC", model: "chirp-v4", failures: 0, finished: 2),
                FailureWindow(name: "1h", action: "MUSIC", model: "chirp-\"x\\y", failures: 1, finished: 1),
                FailureWindow(name: "1h", action: "LYRICS", model: "unknown", failures: 0, finished: 1),
            ],
            labeler: ModelLabeler(maxModels: 30, admitted: ["chirp-v4", "chirp-\"x\\y"]),
            selfMetrics: recorder, storeSizeBytes: 1_048_576,
            buildInfo: BuildInfo(version: "0.1.0", revision: "0123456789ab", swiftVersion: "6.3"))
        input.storeErrors = [.poll: 3, .probe: 2]
        // Process metrics are real families with fixed values, so the golden names every one of them.
        let process = ProcessMetrics.collect().map { family in
            var fixed = family
            fixed.series = family.series.map { Series(labels: $0.labels, value: .scalar(1)) }
            return fixed
        }
        return MetricsCatalogue.families(input) + process + accountFamilies() + proxyFamilies()
    }

    /// Balance polling after a valid answer: an unlimited key (+Inf) and a limited one.
    static func accountFamilies() -> [MetricFamily] {
        let answer = QuotaAnswer(
            balance: 2105.234088, used: 21.065912, requests: 1221,
            keys: [.init(name: "default", remaining: .infinity), .init(name: "ci", remaining: 8.55)])
        return AccountMetrics.families(AccountSnapshot(up: true, answer: answer, lastSuccess: now), maxKeys: 30)
    }

    /// The submit proxy after a few submits: successes, a gateway refusal, a busy refusal.
    static func proxyFamilies() -> [MetricFamily] {
        var proxy = ProxyMetricsSnapshot()
        proxy.requests = [
            .init(endpoint: "submit_music", code: "200"): 7, .init(endpoint: "submit_music", code: "429"): 1,
            .init(endpoint: "submit_lyrics", code: "200"): 2, .init(endpoint: "submit_music", code: "busy"): 1,
        ]
        var latency = Histogram(upperBounds: ProxyMetrics.durationBuckets)
        latency.observe(0.8)
        latency.observe(41)
        proxy.durations = ["submit_music": latency]
        proxy.registrationFailures = 1
        return ProxyMetrics.families(proxy)
    }

    static func fixture(_ name: String) -> URL {
        Repository.root.appendingPathComponent("Tests/SunoExporterIntegrationTests/Fixtures/\(name)")
    }

    @Test(arguments: [("catalogue.prom", false), ("catalogue.openmetrics", true)])
    func matchesTheGolden(_ name: String, _ openMetrics: Bool) throws {
        let families = Self.families()
        let rendered = openMetrics ? OpenMetricsFormat.render(families) : TextFormat.render(families)
        let url = Self.fixture(name)
        if ProcessInfo.processInfo.environment["SUNO_UPDATE_GOLDEN"] == "1" {
            try Data(rendered).write(to: url)
        }
        let golden = try [UInt8](Data(contentsOf: url))
        #expect(
            rendered == golden,
            "rendered \(name) differs from the golden; rerun with SUNO_UPDATE_GOLDEN=1 after checking the diff")
    }

    @Test func everyCatalogueFamilyIsPresent() {
        let names = Set(Self.families().map(\.name))
        let required = [
            "suno_tasks", "suno_tasks_stuck", "suno_task_oldest_submit_timestamp_seconds", "suno_tasks_finished_total",
            "suno_task_failures_total", "suno_task_duration_seconds", "suno_task_queue_wait_seconds",
            "suno_task_first_audio_seconds", "suno_task_failure_ratio", "suno_tasks_registered_total",
            "suno_tasks_never_seen_total",
            "suno_upstream_up",
            "suno_upstream_requests_total", "suno_upstream_request_duration_seconds",
            "suno_upstream_ids_requested_total",
            "suno_upstream_ids_missing_total", "suno_collector_last_success_timestamp_seconds",
            "suno_collector_cycle_duration_seconds", "suno_store_size_bytes", "suno_store_errors_total",
            "suno_exporter_build_info",
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
            "process_start_time_seconds",
            "suno_account_balance_usd", "suno_account_used_usd", "suno_account_requests",
            "suno_account_key_remaining_usd", "suno_account_quota_up",
            "suno_account_quota_last_success_timestamp_seconds", "suno_proxy_requests_total",
            "suno_proxy_request_duration_seconds", "suno_proxy_registration_failures_total",
        ]
        for name in required { #expect(names.contains(name), "\(name) missing") }
    }

    @Test func promtoolAcceptsTheTextGolden() async throws {
        guard let promtool = Repository.which("promtool") else {
            Issue.record("promtool is not installed (make deps installs the prometheus package)")
            return
        }
        let result = try await runProcess(
            "/bin/sh", ["-c", "\(promtool) check metrics < '\(Self.fixture("catalogue.prom").path)'"])
        #expect(result.status == 0, "promtool: \(result.stdout) \(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "promtool lint: \(result.stdout) \(result.stderr)")
    }

    @Test func prometheusClientParsesBothGoldens() async throws {
        let script = Repository.root.appendingPathComponent("Tests/scripts/check_exposition.py").path
        let result = try await runProcess(
            "/usr/bin/env",
            ["python3", script, Self.fixture("catalogue.prom").path, Self.fixture("catalogue.openmetrics").path])
        #expect(result.status == 0, "check_exposition.py: \(result.stdout) \(result.stderr)")
    }
}

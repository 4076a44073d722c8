import Foundation
import SunoExporterApp
import SunoExporterCore

/// Issue 11: do scrapes and the API wait behind the collector's commits? `/metrics` (gzip, as
/// Prometheus asks) and `GET /api/v1/tasks` under wrk while 100k-task cycles in which every task
/// changes status commit their batches, next to the same runs on the idle exporter. A second
/// yardstick is libmicrohttpd serving the same gzip bytes from a static buffer in the same process
/// under the same load: what the CPU the cycle takes costs any server on these two cores.
///
/// The clients are paced (each connection waits `pause` between requests, a wrk Lua `delay`), so
/// the figures are the latency of a request arriving while the server has room, as scrapes and API
/// calls do, not the queueing of a saturating load. The gateway simulator (a remote service in
/// production) runs at the lowest CPU priority. Each configuration keeps its best of `rounds`
/// rounds, each round with a fresh simulator and exporter (noise only ever slows a run down).
enum ContentionBench {
    struct Result {
        var tasks: Int
        var idle: Runs
        var loaded: Runs
        /// Wall seconds of each cycle that ran during the loaded runs, over all rounds.
        var cycleSeconds: [Double]
        /// Share of the loaded wrk runs' time during which a cycle was running (worst round).
        var coverage: Double
    }

    /// One wrk run of each configuration.
    struct Runs {
        var metrics: MetricsBench.Load
        var staticMetrics: MetricsBench.Load
        var api: MetricsBench.Load

        /// Each configuration's run with the lower p99.
        func best(_ other: Runs) -> Runs {
            func lower(_ a: MetricsBench.Load, _ b: MetricsBench.Load) -> MetricsBench.Load { a.p99 <= b.p99 ? a : b }
            return Runs(
                metrics: lower(metrics, other.metrics), staticMetrics: lower(staticMetrics, other.staticMetrics),
                api: lower(api, other.api))
        }
    }

    static let connections = 4
    static let seconds = 3
    /// Milliseconds each connection waits between requests.
    static let pause = 5
    static let rounds = 2

    static func run(tasks: Int) async throws -> Result {
        var best: (idle: Runs, loaded: Runs)?
        var cycles: [Double] = []
        var coverage = 1.0
        for _ in 0..<rounds {
            let round = try await runRound(tasks: tasks)
            best = best.map { ($0.idle.best(round.idle), $0.loaded.best(round.loaded)) } ?? (round.idle, round.loaded)
            cycles += round.cycleSeconds
            coverage = min(coverage, round.coverage)
        }
        guard let best else { throw BenchError("no contention round ran") }
        return Result(tasks: tasks, idle: best.idle, loaded: best.loaded, cycleSeconds: cycles, coverage: coverage)
    }

    static func runRound(tasks: Int) async throws -> (
        idle: Runs, loaded: Runs, cycleSeconds: [Double], coverage: Double
    ) {
        let (child, baseURL, ids) = try SimulatorChild.spawn(tasks: tasks)
        defer { child.finish() }
        child.lowerPriority(to: 19)
        let scratch = try ScratchDirectory("contention")
        defer { scratch.remove() }
        let clock = BenchClock(SimulatorChild.startInstant)
        let assembly = try ExporterApp.assemble(
            ServeConfiguration(
                listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: scratch.path("exporter.db"),
                collector: CollectorSettings(
                    interval: 15, batchSize: CollectorBench.batchSize, concurrency: CollectorBench.concurrency)),
            baseURL: baseURL, logger: Measure.quietLogger, clock: { clock.now })
        try CollectorBench.register(ids, in: assembly.store, now: clock.now)
        try assembly.publisher.publish(now: clock.now)
        let port = try assembly.server.start()
        defer { assembly.server.stop() }
        let exposition = assembly.publisher.exposition
        let staticServer = try StaticServer(
            plain: exposition.text, gzip: exposition.textGzip, contentType: TextFormat.contentType)
        defer { staticServer.stop() }
        let script = scratch.path("pace.lua")
        try "function delay()\n  return \(pause)\nend\n".write(toFile: script, atomically: true, encoding: .utf8)
        let urls = (
            metrics: "http://127.0.0.1:\(port)/metrics", staticMetrics: "http://127.0.0.1:\(staticServer.port)/metrics",
            api: "http://127.0.0.1:\(port)/api/v1/tasks"
        )

        // Warm-up (connections, SQLite's cache), then the idle runs.
        _ = try await wrk(urls.api, gzip: false, script: script, seconds: 1)
        let idle = try await runs(urls, script: script)

        // Every task changes at +5 s (SUBMITTED), +10 s (QUEUED) and +15 s (IN_PROGRESS): three
        // cycles back to back, the wrk runs starting once the first has begun.
        let lead = 0.3
        async let loadedRuns = { () async throws -> (Runs, Double, Double) in
            try await Task.sleep(for: .milliseconds(Int64(lead * 1_000)))
            let start = Measure.wallSeconds()
            let runs = try await runs(urls, script: script)
            return (runs, start, Measure.wallSeconds())
        }()
        var spans: [(start: Double, end: Double)] = []
        for _ in 0..<3 {
            clock.advance(by: 5.5)
            _ = try child.ask("advance 5.5")
            let start = Measure.wallSeconds()
            let report = await assembly.collector.runCycle()
            guard report.changed == tasks, report.failedBatches == 0 else {
                throw BenchError(
                    "contention cycle: \(report.changed) of \(tasks) changed, \(report.failedBatches) failed batches")
            }
            spans.append((start, Measure.wallSeconds()))
        }
        let (loaded, runStart, runEnd) = try await loadedRuns
        let covered = spans.reduce(0.0) { total, span in
            total + max(0, min(span.end, runEnd) - max(span.start, runStart))
        }
        return (idle, loaded, spans.map { $0.end - $0.start }, covered / (runEnd - runStart))
    }

    /// The three configurations one after the other.
    static func runs(_ urls: (metrics: String, staticMetrics: String, api: String), script: String) async throws
        -> Runs
    {
        Runs(
            metrics: try await wrk(urls.metrics, gzip: true, script: script),
            staticMetrics: try await wrk(urls.staticMetrics, gzip: true, script: script),
            api: try await wrk(urls.api, gzip: false, script: script))
    }

    /// Runs wrk to completion on a thread of its own (never blocking Swift's pool).
    static func wrk(_ url: String, gzip: Bool, script: String, seconds: Int = seconds) async throws
        -> MetricsBench.Load
    {
        var arguments = ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "--timeout", "10s", "-s", script]
        if gzip { arguments += ["-H", "Accept-Encoding: gzip"] }
        arguments.append(url)
        let command = arguments
        let output = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try MetricsBench.runProcess("/usr/bin/wrk", command) })
            }
        }
        return try MetricsBench.load(fromWrk: String(decoding: output, as: UTF8.self), url: url, cpu: .nan)
    }
}

import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoStore

/// Peak RSS of an exporter watching 100k tasks over a database holding 1M finished tasks (1M
/// history rows). The exporter runs alone in a child process (`suno-bench __exporter`), so its
/// VmHWM counts nothing but the exporter: runtime and libraries, SQLite, the collector's cycles
/// (every task changing, then nothing changing) at the collector's default interval, snapshots and
/// scrapes.
enum MemoryBench {
    struct Result {
        var watched: Int
        var history: Int
        /// VmRSS of the child once assembled and serving, before its first cycle.
        var idleRSS: Int
        /// VmHWM after the cycles and scrapes.
        var peakRSS: Int
    }

    static func run(watched: Int = 100_000, history: Int = 1_000_000) async throws -> Result {
        let (simulator, baseURL, ids) = try SimulatorChild.spawn(tasks: watched)
        defer { simulator.finish() }
        let scratch = try ScratchDirectory("memory")
        defer { scratch.remove() }
        let path = scratch.path("exporter.db")
        try HistoryFixture.create(
            path: path, finishedTasks: history, activePerModel: 0, now: SimulatorChild.startInstant)
        do {
            let store = try TaskStore(path: path)
            try CollectorBench.register(ids, in: store, now: SimulatorChild.startInstant)
        }

        let exporter = try ChildProcess(arguments: [ExporterChild.command, path, baseURL])
        let port = try exporter.readLine()
        defer { exporter.finish() }
        let idle = Int(try exporter.ask("rss").split(separator: " ").last ?? "") ?? 0
        var now = SimulatorChild.startInstant
        // The collector benchmark's sequence (first answers, two status changes, two unchanged polls),
        // at the collector's real pace: one cycle every `--collector.interval` (15 s) of wall time. Run
        // back to back, cycles would overlap what the previous ones leave for a while (each gateway
        // call's deadline timer lives for the request timeout, 10 s), which a deployment never sees.
        let interval = CollectorSettings().interval
        for (index, (step, changed)) in [(6.0, watched), (5, watched), (5, watched), (1, 0), (1, 0)].enumerated() {
            let cycleStart = Measure.wallSeconds()
            now += step
            _ = try simulator.ask("advance \(step)")
            let report = try exporter.ask("cycle \(now)").split(separator: " ").compactMap { Int($0) }
            guard report.count == 3, report[0] == watched, report[1] == changed, report[2] == 0 else {
                throw BenchError("memory benchmark cycle: polled/changed/failed = \(report)")
            }
            // A scrape, plain and gzip, as Prometheus would between cycles.
            _ = try MetricsBench.runProcess(
                "/usr/bin/curl", ["-sS", "-o", "/dev/null", "http://127.0.0.1:\(port)/metrics"])
            _ = try MetricsBench.runProcess(
                "/usr/bin/curl",
                ["-sS", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", "http://127.0.0.1:\(port)/metrics"])
            let rest = interval - (Measure.wallSeconds() - cycleStart)
            if index < 4, rest > 0 { try await Task.sleep(for: .milliseconds(Int64(rest * 1_000))) }
        }
        let peak = Int(try exporter.ask("rss").split(separator: " ").first ?? "") ?? 0
        return Result(watched: watched, history: history, idleRSS: idle, peakRSS: peak)
    }
}

/// The exporter in a child process: `suno-bench __exporter <database> <gateway URL>`. Prints the
/// port it serves /metrics on, then answers:
///
///     cycle <unix seconds>   → "<polled> <changed> <failed batches>"   one collector cycle at that instant
///     rss                    → "<VmHWM bytes> <VmRSS bytes>"
enum ExporterChild {
    static let command = "__exporter"

    static func run(arguments: [String]) async {
        guard arguments.count == 2 else {
            FileOutput.standardError("usage: \(command) <database> <gateway URL>\n")
            exit(2)
        }
        let clock = BenchClock(SimulatorChild.startInstant)
        let assembly: ExporterApp.Assembly
        let port: UInt16
        do {
            assembly = try ExporterApp.assemble(
                ServeConfiguration(
                    listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: arguments[0],
                    collector: CollectorSettings(
                        batchSize: CollectorBench.batchSize, concurrency: CollectorBench.concurrency,
                        maxModels: HistoryFixture.models.count)),
                baseURL: arguments[1], logger: Measure.quietLogger, clock: { clock.now })
            try assembly.publisher.publish(now: clock.now)
            port = try assembly.server.start()
        } catch {
            FileOutput.standardError("exporter child: \(error)\n")
            exit(1)
        }
        FileOutput.standardOutput("\(port)\n")
        var input = LineReader(fd: 0)
        while let line = input.next() {
            let words = line.split(separator: " ")
            switch words.first {
            case "cycle":
                let target = Double(words.dropFirst().first ?? "") ?? clock.now
                clock.advance(by: target - clock.now)
                let report = await assembly.collector.runCycle()
                FileOutput.standardOutput("\(report.tasks) \(report.changed) \(report.failedBatches)\n")
            case "rss":
                FileOutput.standardOutput("\(Measure.peakRSSBytes()) \(Measure.currentRSSBytes())\n")
            default:
                FileOutput.standardOutput("unknown command\n")
            }
        }
        assembly.server.stop()
        exit(0)
    }
}

import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoHTTP
import SunoStore

/// `/metrics` under wrk (2 threads, 16 connections, on the same 2 cores as the server): the
/// exporter's endpoint against libmicrohttpd serving the same bytes from a static buffer, plain and
/// gzip; then the exporter over 1k and 1M finished tasks in history (issue 3).
enum MetricsBench {
    /// One wrk run.
    struct Load {
        var requestsPerSecond: Double
        /// Seconds.
        var p50: Double
        var p99: Double
        var requests: Int
        /// CPU seconds of this process (the server) per request.
        var cpuPerRequest: Double
    }

    struct Result {
        var series: Int
        var textBytes: Int
        var gzipBytes: Int
        /// Rendering and compressing one snapshot (`SnapshotPublisher.publish`), CPU seconds.
        var publishCPU: Double
        /// Compressing the text body once, CPU seconds: what a scrape would cost if it gzipped.
        var gzipOnceCPU: Double
        var oursPlain: Load
        var staticPlain: Load
        var oursGzip: Load
        var staticGzip: Load
    }

    struct HistoryResult {
        var small: Load
        var large: Load
        var smallTasks: Int
        var largeTasks: Int
        var smallPublishCPU: Double
        var largePublishCPU: Double
    }

    /// Seconds per wrk run, and runs per configuration.
    static let duration = 3
    static let rounds = 3

    /// An exporter over a fixture database, its first snapshot published and its server started.
    final class ServedExporter {
        let scratch: ScratchDirectory
        let assembly: ExporterApp.Assembly
        let port: UInt16
        let publishCPU: Double

        init(finishedTasks: Int) throws {
            scratch = try ScratchDirectory("metrics")
            let now = SimulatorChild.startInstant
            let path = scratch.path("exporter.db")
            try HistoryFixture.create(path: path, finishedTasks: finishedTasks, now: now)
            assembly = try ExporterApp.assemble(
                ServeConfiguration(
                    listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: path,
                    collector: CollectorSettings(maxModels: HistoryFixture.models.count)),
                baseURL: "http://127.0.0.1:9", logger: Measure.quietLogger, clock: { now })
            try assembly.publisher.publish(now: now)
            // A second publish, timed: the first one warmed SQLite's cache as a running exporter's would be.
            let start = Measure.threadCPUSeconds()
            try assembly.publisher.publish(now: now)
            publishCPU = Measure.threadCPUSeconds() - start
            port = try assembly.server.start()
        }

        var url: String { "http://127.0.0.1:\(port)/metrics" }

        func stop() {
            assembly.server.stop()
            scratch.remove()
        }
    }

    static func run() throws -> Result {
        let served = try ServedExporter(finishedTasks: 1_000)
        defer { served.stop() }
        let exposition = served.assembly.publisher.exposition
        let text = exposition.text.array
        let series = text.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
        let gzipStart = Measure.threadCPUSeconds()
        _ = Gzip.compress(text)
        let gzipOnce = Measure.threadCPUSeconds() - gzipStart

        let staticServer = try StaticServer(
            plain: exposition.text, gzip: exposition.textGzip, contentType: TextFormat.contentType)
        defer { staticServer.stop() }
        let staticURL = "http://127.0.0.1:\(staticServer.port)/metrics"
        // Same bytes from both: checked once before timing.
        try checkSameBody(served.url, staticURL)

        // Three short runs of each, interleaved, so a burst of noise on the shared cores hits every
        // configuration alike; each keeps its best run (noise only ever slows a run down).
        let configurations = [(staticURL, false), (served.url, false), (staticURL, true), (served.url, true)]
        var runs = Array(repeating: [Load](), count: configurations.count)
        for _ in 0..<rounds {
            for (index, (url, gzip)) in configurations.enumerated() { runs[index].append(try wrk(url, gzip: gzip)) }
        }
        let best = runs.map { $0.max { $0.requestsPerSecond < $1.requestsPerSecond }! }
        let (staticPlain, oursPlain, staticGzip, oursGzip) = (best[0], best[1], best[2], best[3])
        return Result(
            series: series, textBytes: exposition.text.count, gzipBytes: exposition.textGzip.count,
            publishCPU: served.publishCPU, gzipOnceCPU: gzipOnce, oursPlain: oursPlain, staticPlain: staticPlain,
            oursGzip: oursGzip, staticGzip: staticGzip)
    }

    /// Issue 3: the same scrape with 1k and with 1M tasks in history. Each runs `rounds` times,
    /// interleaved (so noise hits both alike), and keeps its best p99.
    static func runHistory(large: Int = 1_000_000) throws -> HistoryResult {
        let smallTasks = 1_000
        let small = try ServedExporter(finishedTasks: smallTasks)
        defer { small.stop() }
        let big = try ServedExporter(finishedTasks: large)
        defer { big.stop() }
        var smallRuns: [Load] = []
        var largeRuns: [Load] = []
        for _ in 0..<rounds {
            smallRuns.append(try wrk(small.url, gzip: false))
            largeRuns.append(try wrk(big.url, gzip: false))
        }
        let best = { (runs: [Load]) in runs.min { $0.p99 < $1.p99 }! }
        return HistoryResult(
            small: best(smallRuns), large: best(largeRuns), smallTasks: smallTasks, largeTasks: large,
            smallPublishCPU: small.publishCPU, largePublishCPU: big.publishCPU)
    }

    /// Both servers answer with the same body.
    static func checkSameBody(_ first: String, _ second: String) throws {
        func body(_ url: String) throws -> Data {
            let output = try runProcess("/usr/bin/curl", ["-sS", "--max-time", "10", url])
            return output
        }
        guard try body(first) == body(second) else {
            throw BenchError("the exporter and the static server serve different bytes")
        }
    }

    /// Runs wrk against `url` and reads its summary; the CPU this process used meanwhile is the server's.
    static func wrk(_ url: String, gzip: Bool, seconds: Int = duration) throws -> Load {
        var arguments = ["-t2", "-c16", "-d\(seconds)s", "--latency", "--timeout", "5s"]
        if gzip { arguments += ["-H", "Accept-Encoding: gzip"] }
        arguments.append(url)
        let cpuStart = Measure.processCPUSeconds()
        let output = String(decoding: try runProcess("/usr/bin/wrk", arguments), as: UTF8.self)
        let cpu = Measure.processCPUSeconds() - cpuStart
        return try load(fromWrk: output, url: url, cpu: cpu)
    }

    /// Reads wrk's summary (run with `--latency`); `cpu` is the server's CPU seconds meanwhile.
    static func load(fromWrk output: String, url: String, cpu: Double) throws -> Load {
        guard !output.contains("Non-2xx"), !output.contains("Socket errors") else {
            throw BenchError("wrk saw errors against \(url):\n\(output)")
        }
        var load = Load(requestsPerSecond: 0, p50: .nan, p99: .nan, requests: 0, cpuPerRequest: .nan)
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = words.first else { continue }
            if first == "Requests/sec:", words.count > 1 {
                load.requestsPerSecond = Double(words[1]) ?? 0
            } else if first == "50%", words.count > 1 {
                load.p50 = wrkSeconds(words[1])
            } else if first == "99%", words.count > 1 {
                load.p99 = wrkSeconds(words[1])
            } else if words.count > 2, words[1] == "requests", words[2] == "in" {
                load.requests = Int(first) ?? 0
            }
        }
        guard load.requests > 0 else { throw BenchError("wrk made no requests against \(url):\n\(output)") }
        load.cpuPerRequest = cpu / Double(load.requests)
        return load
    }

    /// wrk's "1.23ms", "456.00us", "1.02s".
    static func wrkSeconds<S: StringProtocol>(_ text: S) -> Double {
        for (suffix, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] where text.hasSuffix(suffix) {
            return (Double(text.dropLast(suffix.count)) ?? .nan) * scale
        }
        return .nan
    }

    /// Runs a program to completion and returns its standard output.
    static func runProcess(_ path: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(path) exited with \(process.terminationStatus)")
        }
        return data
    }
}

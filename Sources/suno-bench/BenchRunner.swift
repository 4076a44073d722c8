import Foundation

/// Runs the benchmarks in order and turns their results into the table's rows, each figure beside
/// the yardstick measured in the same run. `sections` picks some (all by default):
/// parts, collector, metrics, history, contention, memory, gateway, proxy.
enum BenchRunner {
    static let allSections = ["parts", "collector", "metrics", "history", "contention", "memory", "gateway", "proxy"]

    static func run(sections requested: [String]) async throws {
        let sections = requested.isEmpty ? allSections : requested
        if let unknown = sections.first(where: { !allSections.contains($0) }) {
            throw BenchError("unknown section \(unknown); sections: \(allSections.joined(separator: ", "))")
        }
        let started = Measure.wallSeconds()
        let table = ResultTable()
        // The C-level SQLite rate is the collector's store floor, so parts run first.
        var cLevelTasksPerCPUSecond: Double?
        for section in sections {
            FileOutput.standardError("suno-bench: \(section)…\n")
            switch section {
            case "parts":
                addDecodeRows(try await DecodeBench.run(), to: table)
                let store = try StoreBench.run(tasks: 100_000)
                cLevelTasksPerCPUSecond = store.cLevelTasksPerSecond
                addStoreRow(store, to: table)
            case "collector":
                for tasks in [10_000, 100_000] {
                    addCollectorRows(
                        try await CollectorBench.run(tasks: tasks), cLevel: cLevelTasksPerCPUSecond, to: table)
                }
            case "metrics":
                addMetricsRows(try MetricsBench.run(), to: table)
            case "history":
                addHistoryRows(try MetricsBench.runHistory(), to: table)
            case "contention":
                addContentionRows(try await ContentionBench.run(tasks: 100_000), to: table)
            case "memory":
                addMemoryRow(try await MemoryBench.run(), to: table)
            case "gateway":
                addGatewayRows(try await GatewayEfficiencyBench.run(tasksPerMinute: 12), to: table)
                addGatewayRows(try await GatewayEfficiencyBench.run(tasksPerMinute: 600), to: table)
            case "proxy":
                addProxyRows(try await ProxyBench.run(), to: table)
            default:
                break
            }
        }
        let elapsed = Measure.wallSeconds() - started
        var header = "suno-bench · \(Machine.description) · \(Machine.date) · "
        header +=
            "`make bench` (\(sections.count == allSections.count ? "all sections" : sections.joined(separator: " "))) "
        header += "in \(Int(elapsed.rounded())) s\n\n"
        FileOutput.standardOutput(header + table.render())
    }

    // MARK: - Rows

    static func addDecodeRows(_ result: DecodeBench.Result, to table: ResultTable) {
        let body = "\(Format.number(Double(result.bodyBytes) / 1_000, 0)) kB answer of 100 MUSIC items"
        table.add(
            ResultRow(
                section: "parts", measure: "JSON decode: Foundation JSONDecoder (Codable DTOs)",
                value: "\(Format.number(result.jsonDecoder)) MB/s", yardstick: body, ratio: "", target: "", passed: nil)
        )
        table.add(
            ResultRow(
                section: "parts", measure: "JSON decode: JSONSerialization + casts",
                value: "\(Format.number(result.jsonSerialization)) MB/s", yardstick: body, ratio: "", target: "",
                passed: nil))
        table.add(
            ResultRow(
                section: "parts", measure: "JSON decode: GatewayDecoder (the exporter's)",
                value: "\(Format.number(result.gatewayDecoder)) MB/s",
                yardstick: "JSONDecoder \(Format.number(result.jsonDecoder)) MB/s",
                ratio: Format.ratio(result.gatewayDecoder / result.jsonDecoder), target: "≥ 300 MB/s",
                passed: result.gatewayDecoder >= 300))
    }

    static func addStoreRow(_ result: StoreBench.Result, to table: ResultTable) {
        let ratio = result.oursTasksPerSecond / result.cLevelTasksPerSecond
        table.add(
            ResultRow(
                section: "parts",
                measure: "SQLite path, every task changes (row rewrite + history row, 100/txn, 100k tasks)",
                value: "\(Format.number(result.oursTasksPerSecond)) tasks/CPU-s",
                yardstick: "direct C calls: \(Format.number(result.cLevelTasksPerSecond)) tasks/CPU-s",
                ratio: Format.ratio(ratio), target: "≥ 0.67× C-level", passed: ratio >= 2.0 / 3.0))
        let readRatio = result.oursTasksPerSecond / result.cLevelWithReadTasksPerSecond
        table.add(
            ResultRow(
                section: "parts",
                measure: "SQLite path, the same work in C: each batch's rows read back, then rewritten + history rows",
                value: "\(Format.number(result.oursTasksPerSecond)) tasks/CPU-s",
                yardstick:
                    "direct C calls with the read: \(Format.number(result.cLevelWithReadTasksPerSecond)) tasks/CPU-s",
                ratio: Format.ratio(readRatio), target: "", passed: nil))
    }

    static func addCollectorRows(_ result: CollectorBench.Result, cLevel: Double?, to table: ResultTable) {
        let size = result.tasks >= 100_000 ? "100k" : "\(result.tasks / 1_000)k"
        let isTarget = result.tasks >= 100_000
        let perTask = Format.number(result.bytesPerTask / 1_000, 1)
        // Floor: the same fetches decoded with nothing stored, plus (for changes) the C-level SQLite writes.
        let storeFloor = cLevel.map { Double(result.tasks) / $0 } ?? .nan
        let changedFloor = result.fetchOnlyCPU + storeFloor
        table.add(
            ResultRow(
                section: "collector",
                measure: "\(size) tasks, every task changes status (\(perTask) kB/task, batches of 100)",
                value:
                    "\(Format.seconds(result.changedCPU)) CPU · \(Format.number(Double(result.tasks) / result.changedCPU)) updates/CPU-s",
                yardstick:
                    "floor \(Format.seconds(changedFloor)): fetch+decode only \(Format.seconds(result.fetchOnlyCPU)) + C-level SQLite \(Format.seconds(storeFloor))",
                ratio: Format.ratio(result.changedCPU / changedFloor), target: isTarget ? "< 1.5 CPU-s" : "",
                passed: isTarget ? result.changedCPU < 1.5 : nil))
        table.add(
            ResultRow(
                section: "collector", measure: "\(size) tasks, nothing changes",
                value:
                    "\(Format.seconds(result.unchangedCPU)) CPU · \(Format.number(Double(result.tasks) / result.unchangedCPU)) updates/CPU-s",
                yardstick: "floor: fetch+decode only \(Format.seconds(result.fetchOnlyCPU))",
                ratio: Format.ratio(result.unchangedCPU / result.fetchOnlyCPU), target: isTarget ? "< 0.7 CPU-s" : "",
                passed: isTarget ? result.unchangedCPU < 0.7 : nil))
        if isTarget {
            let perCycle = result.flushCPU * 15 / 60
            table.add(
                ResultRow(
                    section: "collector",
                    measure: "\(size) tasks, poll bookkeeping written to the file (every 60 s)",
                    value:
                        "\(Format.seconds(result.flushCPU)) CPU per flush · \(Format.seconds(perCycle)) per 15 s cycle",
                    yardstick: "unchanged cycle \(Format.seconds(result.unchangedCPU))",
                    ratio: Format.ratio(perCycle / result.unchangedCPU), target: "", passed: nil))
        }
    }

    static func addMetricsRows(_ result: MetricsBench.Result, to table: ResultTable) {
        let size =
            "\(Format.number(Double(result.series))) series, \(Format.number(Double(result.textBytes) / 1_000)) kB text / \(Format.number(Double(result.gzipBytes) / 1_000)) kB gzip"
        let plainRatio = result.oursPlain.requestsPerSecond / result.staticPlain.requestsPerSecond
        table.add(
            ResultRow(
                section: "/metrics", measure: "plain, wrk 16 connections (\(size))",
                value: load(result.oursPlain), yardstick: "static MHD buffer: " + load(result.staticPlain),
                ratio: Format.ratio(plainRatio), target: "≥ 0.80× static", passed: plainRatio >= 0.8))
        let gzipRatio = result.oursGzip.requestsPerSecond / result.oursPlain.requestsPerSecond
        table.add(
            ResultRow(
                section: "/metrics", measure: "Accept-Encoding: gzip (what Prometheus sends)",
                value: load(result.oursGzip),
                yardstick: "plain: \(Format.number(result.oursPlain.requestsPerSecond)) req/s",
                ratio: Format.ratio(gzipRatio), target: "≥ 5× plain", passed: gzipRatio >= 5))
        let staticGzipRatio = result.oursGzip.requestsPerSecond / result.staticGzip.requestsPerSecond
        table.add(
            ResultRow(
                section: "/metrics", measure: "gzip, against the static buffer",
                value: "\(Format.number(result.oursGzip.requestsPerSecond)) req/s",
                yardstick: "static MHD gzip buffer: " + load(result.staticGzip), ratio: Format.ratio(staticGzipRatio),
                target: "", passed: nil))
        // Compressed once per snapshot: a gzip scrape costs a small fraction of one compression.
        let onceRatio = result.gzipOnceCPU / result.oursGzip.cpuPerRequest
        table.add(
            ResultRow(
                section: "/metrics", measure: "gzip made when the snapshot is published, not per scrape",
                value: "\(Format.microseconds(result.oursGzip.cpuPerRequest)) CPU per gzip scrape",
                yardstick:
                    "one gzip of the text: \(Format.milliseconds(result.gzipOnceCPU)); publish (render + 2 gzip): \(Format.milliseconds(result.publishCPU))",
                ratio: Format.ratio(onceRatio), target: "scrape ≪ one compression", passed: onceRatio >= 10))
    }

    static func addHistoryRows(_ result: MetricsBench.HistoryResult, to table: ResultTable) {
        let ratio = result.large.p99 / result.small.p99
        table.add(
            ResultRow(
                section: "/metrics",
                measure: "plain, \(Format.number(Double(result.largeTasks))) finished tasks in history (issue 3)",
                value: load(result.large) + " · publish \(Format.milliseconds(result.largePublishCPU))",
                yardstick: "\(Format.number(Double(result.smallTasks))) in history: " + load(result.small)
                    + " · publish \(Format.milliseconds(result.smallPublishCPU))",
                ratio: "p99 " + Format.ratio(ratio), target: "p99 ≤ 2× the 1k p99", passed: ratio <= 2))
    }

    static func addContentionRows(_ result: ContentionBench.Result, to table: ResultTable) {
        let cycles = result.cycleSeconds.map { Format.number($0, 1) }.joined(separator: ", ")
        let during =
            "while \(Format.number(Double(result.tasks))) tasks change status (cycles of \(cycles) s; "
            + "\(Format.number(result.coverage * 100))% of the run)"
        let clients = "wrk \(ContentionBench.connections) connections, \(ContentionBench.pause) ms pause"
        let (idle, loaded) = (result.idle, result.loaded)
        let metricsRatio = loaded.metrics.p99 / idle.metrics.p99
        table.add(
            ResultRow(
                section: "contention", measure: "/metrics gzip p99 \(during), \(clients)",
                value: paced(loaded.metrics), yardstick: "idle exporter: " + paced(idle.metrics),
                ratio: "p99 " + Format.ratio(metricsRatio), target: "p99 ≤ 2× idle", passed: metricsRatio <= 2))
        let staticRatio = loaded.metrics.p99 / loaded.staticMetrics.p99
        table.add(
            ResultRow(
                section: "contention", measure: "/metrics gzip p99 during the same cycles, against a static buffer",
                value: paced(loaded.metrics),
                yardstick: "static MHD gzip buffer, same load: " + paced(loaded.staticMetrics) + " (idle "
                    + paced(idle.staticMetrics) + ")",
                ratio: "p99 " + Format.ratio(staticRatio), target: "", passed: nil))
        table.add(
            ResultRow(
                section: "contention", measure: "GET /api/v1/tasks (100 per page) p99 \(during), \(clients)",
                value: paced(loaded.api), yardstick: "idle exporter: " + paced(idle.api),
                ratio: "p99 " + Format.ratio(loaded.api.p99 / idle.api.p99), target: "p99 ≤ 50 ms",
                passed: loaded.api.p99 <= 0.05))
    }

    /// "p99 1.23 ms · 456 req/s"
    static func paced(_ load: MetricsBench.Load) -> String {
        "p99 \(Format.milliseconds(load.p99)) · \(Format.number(load.requestsPerSecond)) req/s"
    }

    static func addMemoryRow(_ result: MemoryBench.Result, to table: ResultTable) {
        let mib = 64 * 1_048_576
        table.add(
            ResultRow(
                section: "memory",
                measure:
                    "peak RSS, \(Format.number(Double(result.watched))) watched tasks, \(Format.number(Double(result.history))) history rows, 5 cycles 15 s apart + scrapes",
                value: Format.mebibytes(result.peakRSS),
                yardstick:
                    "same process idle (runtime, libraries, first snapshot): \(Format.mebibytes(result.idleRSS))",
                ratio: Format.ratio(Double(result.peakRSS) / Double(result.idleRSS)), target: "< 64 MiB",
                passed: result.peakRSS < mib))
    }

    static func addGatewayRows(_ result: GatewayEfficiencyBench.Result, to table: ResultTable) {
        let workload = "demo workload, \(Format.number(result.tasksPerMinute)) tasks/min, batch \(result.batchSize)"
        table.add(
            ResultRow(
                section: "gateway",
                measure: "\(workload): requests per finished task",
                value:
                    "\(Format.number(Double(result.requests) / Double(max(1, result.finished)), 3)) (\(result.requests) requests, \(result.finished) finished)",
                yardstick: "fewest possible for the same due tasks: \(result.minimalRequests) requests",
                ratio: Format.ratio(Double(result.requests) / Double(max(1, result.minimalRequests))), target: "",
                passed: nil))
        let mean = Double(result.ids) / Double(max(1, result.requests))
        if result.fullCycleRequests > 0 {
            let full = Double(result.fullCycleIDs) / Double(result.fullCycleRequests)
            table.add(
                ResultRow(
                    section: "gateway",
                    measure: "\(workload): mean ids per request when ≥ \(result.batchSize) are due",
                    value: "\(Format.number(full, 1)) ids/request (all requests: \(Format.number(mean, 1)))",
                    yardstick: "batch size \(result.batchSize)", ratio: Format.ratio(full / Double(result.batchSize)),
                    target: "≥ 0.90× batch", passed: full >= 0.9 * Double(result.batchSize)))
        } else {
            table.add(
                ResultRow(
                    section: "gateway",
                    measure: "\(workload): mean ids per request (never \(result.batchSize) due at once)",
                    value: "\(Format.number(mean, 1)) ids/request",
                    yardstick: "every due task in one request per action", ratio: "", target: "", passed: nil))
        }
    }

    static func addProxyRows(_ result: ProxyBench.Result, to table: ResultTable) {
        let p50 = (ProxyBench.Result.percentile(result.direct, 0.5), ProxyBench.Result.percentile(result.proxied, 0.5))
        let p95 = (
            ProxyBench.Result.percentile(result.direct, 0.95), ProxyBench.Result.percentile(result.proxied, 0.95)
        )
        table.add(
            ResultRow(
                section: "proxy",
                measure:
                    "submit latency through serve --proxy (forward + register in SQLite), \(result.submits) submits alternating with direct ones",
                value: "p50 \(Format.milliseconds(p50.1)) · p95 \(Format.milliseconds(p95.1))",
                yardstick:
                    "direct to the simulator: p50 \(Format.milliseconds(p50.0)) · p95 \(Format.milliseconds(p95.0))",
                ratio: "+\(Format.milliseconds(p50.1 - p50.0)) at p50", target: "", passed: nil))
        table.add(
            ResultRow(
                section: "proxy", measure: "CPU per submit (client + exporter + simulator, one process)",
                value: "\(Format.microseconds(result.proxiedCPU)) through the proxy",
                yardstick: "direct: \(Format.microseconds(result.directCPU))",
                ratio: "+\(Format.microseconds(result.proxiedCPU - result.directCPU))", target: "", passed: nil))
    }

    /// "12,345 req/s · p99 1.23 ms · 45 µs CPU/req"
    static func load(_ load: MetricsBench.Load) -> String {
        "\(Format.number(load.requestsPerSecond)) req/s · p99 \(Format.milliseconds(load.p99)) · \(Format.microseconds(load.cpuPerRequest)) CPU/req"
    }
}

/// The machine, for the table's first line.
enum Machine {
    static var description: String {
        let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            ?? "?"
        let release =
            (try? String(contentsOfFile: "/etc/debian_version", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        let memory = ProcessInfo.processInfo.physicalMemory / (1 << 30)
        return "\(ProcessInfo.processInfo.activeProcessorCount) × \(model), \(memory) GiB, Debian \(release), Swift 6.3"
    }

    static var date: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: Date())
    }
}

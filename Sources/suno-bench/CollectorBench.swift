import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoStore
import SunoUpstream
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A clock the benchmark moves by hand, shared by the exporter's collector (the simulator child
/// has its own, moved by the same amounts).
final class BenchClock: Sendable {
    private let value: Mutex<Double>
    init(_ start: Double) { value = Mutex(start) }
    var now: Double { value.withLock { $0 } }
    func advance(by seconds: Double) { value.withLock { $0 += seconds } }
}

/// The collector: one cycle over N watched MUSIC tasks served by the simulator (in a child
/// process) on loopback, in batches of 100 with 2 in flight, measured in CPU seconds of this
/// process: fetch, decode, lifecycle, SQLite commit and the snapshot published at the end.
enum CollectorBench {
    struct Result {
        var tasks: Int
        /// Every task changes status (QUEUED → IN_PROGRESS, clips start streaming).
        var changedCPU: Double
        var changedWall: Double
        /// Nothing changes (the same answer again): the lower of two cycles.
        var unchangedCPU: Double
        var unchangedWall: Double
        /// Yardstick: fetching and decoding the same batches with no store work at all.
        var fetchOnlyCPU: Double
        /// Writing the poll bookkeeping of every task (kept in memory between flushes) to the file.
        var flushCPU: Double
        /// Body bytes per task of the answers of the measured cycles.
        var bytesPerTask: Double
        /// CPU of the simulator child over the whole run (not part of any figure; shown for context).
        var simulatorCPU: Double
    }

    static let batchSize = 100
    static let concurrency = 2

    static func run(tasks: Int) async throws -> Result {
        let (child, baseURL, ids) = try SimulatorChild.spawn(tasks: tasks)
        defer { child.finish() }
        let scratch = try ScratchDirectory("collector")
        defer { scratch.remove() }
        let clock = BenchClock(SimulatorChild.startInstant)
        let assembly = try ExporterApp.assemble(
            ServeConfiguration(
                listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: scratch.path("exporter.db"),
                collector: CollectorSettings(interval: 15, batchSize: batchSize, concurrency: concurrency)),
            baseURL: baseURL, logger: Measure.quietLogger, clock: { clock.now })
        try register(ids, in: assembly.store, now: clock.now)

        func advance(_ seconds: Double) throws {
            clock.advance(by: seconds)
            _ = try child.ask("advance \(seconds)")
        }
        func cycle(expectChanged: Int) async throws -> (cpu: Double, wall: Double) {
            let measured = await Measure.cpu { await assembly.collector.runCycle() }
            let report = measured.value
            guard report.failedBatches == 0, report.tasks == tasks, report.changed == expectChanged else {
                throw BenchError(
                    "collector cycle over \(tasks) tasks: \(report.tasks) polled, \(report.changed) changed "
                        + "(expected \(expectChanged)), \(report.failedBatches) failed batches: \(report.firstError ?? "")"
                )
            }
            return (measured.cpu, measured.wall)
        }

        // Warm-up: the first answer (SUBMITTED) and one status change (QUEUED), so caches, the SQLite
        // file and the client's keep-alive connections are in their steady state.
        try advance(6)
        _ = try await cycle(expectChanged: tasks)
        try advance(5)
        _ = try await cycle(expectChanged: tasks)
        // Every task changes: IN_PROGRESS with streaming clips (a history row, a row rewrite and the
        // queue-wait and first-audio observations for each).
        try advance(5)
        let changed = try await cycle(expectChanged: tasks)
        // Nothing changes: the same answers again.
        try advance(1)
        let unchangedFirst = try await cycle(expectChanged: 0)
        try advance(1)
        let unchangedSecond = try await cycle(expectChanged: 0)
        let unchanged = unchangedFirst.cpu <= unchangedSecond.cpu ? unchangedFirst : unchangedSecond
        let flushCPU = try checkPollBookkeeping(assembly: assembly, ids: ids, path: scratch.path("exporter.db"))

        let fetchOnly = try await fetchOnlyCPU(ids: ids, baseURL: baseURL)
        let bytes = try await bodyBytes(ids: Array(ids.prefix(batchSize)), baseURL: baseURL)
        let simulatorCPU = Double(try child.ask("cpu")) ?? .nan
        return Result(
            tasks: tasks, changedCPU: changed.cpu, changedWall: changed.wall, unchangedCPU: unchanged.cpu,
            unchangedWall: unchanged.wall, fetchOnlyCPU: fetchOnly, flushCPU: flushCPU,
            bytesPerTask: Double(bytes) / Double(min(batchSize, ids.count)), simulatorCPU: simulatorCPU)
    }

    /// Every task was polled 5 times (2 of them without a change, counted in memory): the store's
    /// view must say so, and after a flush the file must say the same to another reader (the CLI).
    /// Returns the CPU seconds of the flush.
    static func checkPollBookkeeping(assembly: ExporterApp.Assembly, ids: [String], path: String) throws -> Double {
        let sample = [ids[0], ids[ids.count / 2], ids[ids.count - 1]]
        let inMemory = try assembly.store.tasks(ids: sample)
        guard inMemory.count == sample.count, inMemory.allSatisfy({ $0.pollCount == 5 && $0.lastPolled != nil }) else {
            throw BenchError("poll bookkeeping: \(inMemory.map { ($0.pollCount, $0.lastPolled ?? 0) })")
        }
        let start = Measure.processCPUSeconds()
        assembly.collector.flushPolls()
        let flushCPU = Measure.processCPUSeconds() - start
        let onFile = try TaskStore(path: path).tasks(ids: sample)
        guard onFile.map(\.pollCount) == inMemory.map(\.pollCount),
            onFile.map(\.lastPolled) == inMemory.map(\.lastPolled)
        else {
            throw BenchError(
                "poll bookkeeping on file differs: \(onFile.map(\.pollCount)) vs \(inMemory.map(\.pollCount))")
        }
        return flushCPU
    }

    /// Registers the ids as the API would, 1000 per transaction.
    static func register(_ ids: [String], in store: TaskStore, now: Double) throws {
        var start = 0
        while start < ids.count {
            let end = min(start + 1_000, ids.count)
            let registrations = (start..<end).map { index in
                Registration(
                    id: ids[index], action: .music, model: SimulatorChild.models[index % SimulatorChild.models.count])
            }
            try store.register(registrations, source: "api", now: now)
            start = end
        }
    }

    /// The yardstick: the same batches fetched and decoded by the same client, with nothing stored.
    static func fetchOnlyCPU(ids: [String], baseURL: String) async throws -> Double {
        let client = GatewayClient(
            configuration: GatewayClientConfiguration(
                baseURL: baseURL, requestTimeout: .seconds(60), maxConnections: concurrency, version: "bench"),
            logger: Measure.quietLogger)
        let batches = stride(from: 0, to: ids.count, by: batchSize).map {
            Array(ids[$0..<min($0 + batchSize, ids.count)])
        }
        // One warm-up batch opens the connections.
        _ = try await client.fetch(ids: batches[0], action: .music)
        let measured = try await Measure.cpu {
            try await withThrowingTaskGroup(of: Int.self) { group in
                var pending = batches.makeIterator()
                for _ in 0..<concurrency {
                    guard let batch = pending.next() else { break }
                    group.addTask { try await client.fetch(ids: batch, action: .music).count }
                }
                var decoded = 0
                for try await count in group {
                    decoded += count
                    if let batch = pending.next() {
                        group.addTask { try await client.fetch(ids: batch, action: .music).count }
                    }
                }
                return decoded
            }
        }
        guard measured.value == ids.count else {
            throw BenchError("fetch-only pass decoded \(measured.value) of \(ids.count)")
        }
        return measured.cpu
    }

    /// The raw body of one batch answer, as the collector receives it.
    static func fetchBody(ids: [String], baseURL: String) async throws -> [UInt8] {
        guard let url = URL(string: baseURL + "/suno/fetch") else { throw BenchError("bad simulator URL \(baseURL)") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["ids": ids, "action": "MUSIC"])
        let (data, _) = try await URLSession.shared.data(for: request)
        return [UInt8](data)
    }

    static func bodyBytes(ids: [String], baseURL: String) async throws -> Int {
        try await fetchBody(ids: ids, baseURL: baseURL).count
    }
}

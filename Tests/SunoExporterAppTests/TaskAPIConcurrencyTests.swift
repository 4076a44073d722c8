import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import SunoTestSupport
import Testing

/// Registrations racing the collector and scrapes: nothing acknowledged is lost, nothing is stored twice.
@Suite struct TaskAPIConcurrencyTests {
    static let clients = 8
    static let totalIDs = 10_000
    /// Every client also sends these ids (already in some client's slice), so the same ids race.
    static let contested = 100

    /// What one registration request got back.
    struct Outcome: Sendable {
        var ids: [String]
        var status: Int
        var accepted: Int
        var duplicates: Int
        var error: String?
    }

    @Test(.timeLimit(.minutes(5)))
    func eightClientsRegisterTenThousandIdsWhileTheCollectorRuns() async throws {
        let simulator = SunoSimulator(
            configuration: SimulatorConfiguration(timeScale: 0.01, seed: 7, earlyStartShare: 0),
            logger: quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        // Real gateway tasks among the ids, so cycles have transitions to commit while registrations land.
        let gatewayIDs = (0..<300).map { simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "song \($0)") }
        let synthetic = (0..<(Self.totalIDs - gatewayIDs.count)).map { String(format: "load-%05d", $0) }
        var generator = SeededShuffle(seed: 42)
        let ids = (gatewayIDs + synthetic).shuffled(using: &generator)
        #expect(Set(ids).count == Self.totalIDs)

        let settings = CollectorSettings(interval: 0.05, batchSize: 100, concurrency: 2)
        try await withAPIServer(gatewayURL: simulator.baseURL, collector: settings) { server async throws in
            let collector = Task { await server.assembly.collector.run() }
            let scrapes = Recorder<Int>()
            let scraping = APITestFlag(true)
            let scraper = Task {
                while scraping.isSet {
                    let status = (try? await TestHTTP.send("GET", server.baseURL + "/metrics").status) ?? -1
                    scrapes.append(status)
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }

            let slice = Self.totalIDs / Self.clients
            let contested = Array(ids.prefix(Self.contested))
            let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
                for client in 0..<Self.clients {
                    let mine = Array(ids[(client * slice)..<((client + 1) * slice)])
                    // Batch sizes differ per client (up to the 1000 maximum) so requests overlap unevenly.
                    let batchSize = [1000, 125, 250, 500, 100, 625, 400, 50][client]
                    group.addTask {
                        var results: [Outcome] = []
                        var batches = stride(from: 0, to: mine.count, by: batchSize).map {
                            Array(mine[$0..<min($0 + batchSize, mine.count)])
                        }
                        batches.insert(contested, at: client % batches.count)
                        for batch in batches {
                            results.append(await Self.register(batch, at: server.tasksURL))
                            // A short pause keeps the registrations spread over several collector cycles.
                            try await Task.sleep(for: .milliseconds(15))
                        }
                        return results
                    }
                }
                var all: [Outcome] = []
                for try await results in group { all += results }
                return all
            }

            // Gateway batches answered while registrations were still arriving.
            let fetchesDuringRegistration = simulator.stats.fetchRequests
            scraping.clear()
            await scraper.value
            collector.cancel()
            await collector.value

            // No request failed, and every one was acknowledged only after its commit.
            let failed = outcomes.filter { $0.status != 202 }
            #expect(
                failed.isEmpty, "failed registrations: \(failed.prefix(3).map { "\($0.status) \($0.error ?? "")" })")
            #expect(outcomes.reduce(0) { $0 + $1.accepted } == Self.totalIDs)
            #expect(outcomes.reduce(0) { $0 + $1.duplicates } == Self.clients * Self.contested)

            // Every acknowledged id is in the store, exactly once.
            let stored = try server.store.list(TaskFilter(limit: Self.totalIDs * 2))
            #expect(stored.count == Self.totalIDs)
            let storedIDs = Set(stored.map(\.id))
            #expect(storedIDs.count == stored.count)
            let acknowledged = Set(outcomes.filter { $0.status == 202 }.flatMap(\.ids))
            #expect(acknowledged.isSubset(of: storedIDs))
            #expect(storedIDs == Set(ids))

            // The API pages through the same set without repeats.
            var paged: [String] = []
            var offset: Int? = 0
            while let current = offset, paged.count <= Self.totalIDs {
                let page = try await TestHTTP.send("GET", server.tasksURL + "?limit=1000&offset=\(current)").object()
                paged += (page["tasks"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                offset = jsonInt(page["next_offset"])
            }
            #expect(paged.count == Self.totalIDs)
            #expect(Set(paged) == Set(ids))

            // The collector really ran meanwhile, and scrapes never failed.
            #expect(stored.contains { $0.pollCount > 0 })
            #expect(fetchesDuringRegistration > 0)
            let statuses = scrapes.values
            #expect(!statuses.isEmpty)
            #expect(statuses.allSatisfy { $0 == 200 }, "scrape statuses: \(Set(statuses))")
            let registered = try server.store.aggregates().filter { $0.key.kind == .registered }
            #expect(registered.values.reduce(0, +) == Double(Self.totalIDs))
        }
    }

    static func register(_ ids: [String], at url: String) async -> Outcome {
        do {
            let reply = try await TestHTTP.send("POST", url, json: ["ids": ids, "action": "MUSIC"])
            let body = try? reply.object()
            return Outcome(
                ids: ids, status: reply.status, accepted: jsonInt(body?["accepted"]) ?? 0,
                duplicates: jsonInt(body?["duplicates"]) ?? 0, error: reply.errorMessage)
        } catch {
            return Outcome(ids: ids, status: -1, accepted: 0, duplicates: 0, error: "\(error)")
        }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible shuffles.
struct SeededShuffle: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

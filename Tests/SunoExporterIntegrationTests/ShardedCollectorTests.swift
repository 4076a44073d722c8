import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import Testing

/// `--shard i/n` end to end: three sharded exporters and one unsharded exporter poll ONE simulator on one
/// manual clock. Every task must be polled by exactly one shard per cycle, and the shards' metrics summed
/// (`sum without (instance)`) must equal the single exporter's, series by series.
@Suite(.serialized)
struct ShardedCollectorTests {
    static let timeline = PhaseTimeline(toSubmitted: 2...10, toQueued: 5...20, toInProgress: 10...60, toDone: 40...200)
    static let profiles: [ModelProfile] = [
        ModelProfile(action: .music, model: "chirp-v4", timeline: timeline, failureShare: 0.2, timeoutShare: 0.1),
        ModelProfile(action: .music, model: "chirp-crow", timeline: timeline, failureShare: 0.1, hangShare: 0.15),
        ModelProfile(action: .music, model: "chirp-auk", timeline: timeline, failureShare: 0.3),
        ModelProfile(action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 2...15)),
    ]
    /// Families that add up across shards. Gateway call counts, cycle timings, store size and process
    /// metrics differ by design (each shard makes its own calls); ratios and timestamps do not add up.
    static let additive: Set<String> = [
        "suno_tasks", "suno_tasks_stuck", "suno_tasks_finished_total", "suno_task_failures_total",
        "suno_task_duration_seconds_bucket", "suno_task_duration_seconds_sum", "suno_task_duration_seconds_count",
        "suno_task_queue_wait_seconds_bucket", "suno_task_queue_wait_seconds_sum",
        "suno_task_queue_wait_seconds_count", "suno_task_first_audio_seconds_bucket",
        "suno_task_first_audio_seconds_sum", "suno_task_first_audio_seconds_count", "suno_tasks_registered_total",
        "suno_tasks_never_seen_total",
        "suno_upstream_ids_requested_total", "suno_upstream_ids_missing_total",
    ]

    @Test func shardsPollEveryTaskOnceAndAddUpToOneExporter() async throws {
        let fleet = try Fleet(shards: 3, profiles: Self.profiles)
        defer { fleet.stop() }
        let ids = try fleet.submitAndRegisterEverywhere(music: 90, lyrics: 15, ghosts: 4)

        // Each shard accepted a fair, disjoint part; together exactly the watch list of the single one.
        let owned = try fleet.shards.map { Set(try $0.store.activeTasks().map(\.id)) }
        #expect(owned.map(\.count).reduce(0, +) == ids.count)
        #expect(Set(owned.joined()) == Set(ids))
        #expect(owned.allSatisfy { $0.count > ids.count / 6 }, "a fair split: \(owned.map(\.count))")

        var compared = 0
        for cycle in 1...80 {
            try await fleet.runCycleCheckingEachTaskPolledOnce(step: 30)
            if [3, 25, 80].contains(cycle) {
                try await Self.expectShardsAddUp(fleet, at: "cycle \(cycle)")
                compared += 1
            }
        }
        #expect(compared == 3)

        // By the end every task ended (hanging ones and ghosts expired): the comparison was not vacuous.
        let single = try await fleet.scrape(fleet.single)
        #expect(single.sum("suno_tasks_finished_total") == Double(ids.count))
        #expect(single.sum("suno_tasks_finished_total", ["outcome": "failure"]) > 0)
        #expect(single.sum("suno_tasks_finished_total", ["outcome": "expired"]) >= 4)
        #expect(single.sum("suno_upstream_ids_missing_total") > 0)
        #expect(single.sum("suno_tasks_never_seen_total") == 4, "the ghosts, and only them")
    }

    /// Sums the shards' additive series and compares them with the single exporter's, label set by label set
    /// (a series one side lacks counts as 0); the oldest-task gauge is a minimum, not a sum.
    static func expectShardsAddUp(_ fleet: Fleet, at moment: String) async throws {
        let single = try await fleet.scrape(fleet.single)
        var summed: [String: Double] = [:]
        var oldest: [String: Double] = [:]
        for shard in fleet.shards {
            for sample in try await fleet.scrape(shard).samples {
                let key = seriesKey(sample.name, sample.labels)
                if additive.contains(sample.name) {
                    summed[key, default: 0] += sample.value
                } else if sample.name == "suno_task_oldest_submit_timestamp_seconds", sample.value > 0 {
                    oldest[key] = min(oldest[key] ?? .infinity, sample.value)
                }
            }
        }
        var expected: [String: Double] = [:]
        var expectedOldest: [String: Double] = [:]
        for sample in single.samples {
            let key = seriesKey(sample.name, sample.labels)
            if additive.contains(sample.name) {
                expected[key, default: 0] += sample.value
            } else if sample.name == "suno_task_oldest_submit_timestamp_seconds", sample.value > 0 {
                expectedOldest[key] = sample.value
            }
        }
        #expect(expected.values.contains { $0 > 0 }, "\(moment): the single exporter has data")
        let keys = Set(summed.keys).union(expected.keys)
        let differing = keys.sorted().filter { (summed[$0] ?? 0) != (expected[$0] ?? 0) }
        #expect(
            differing.isEmpty,
            "\(moment): shards' sum differs from one exporter on \(differing.prefix(8).map { "\($0): \(summed[$0] ?? 0) vs \(expected[$0] ?? 0)" })"
        )
        #expect(oldest == expectedOldest, "\(moment): oldest unfinished task per series")
    }

    static func seriesKey(_ name: String, _ labels: [String: String]) -> String {
        name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }
}

/// One simulator, `shards` exporters with `--shard i/shards` and one without, each on its own store and
/// HTTP port, all on one manual clock.
final class Fleet {
    let scratch: ScratchDirectory
    let clock = ManualClock(now: 1_780_000_000)
    let simulator: SunoSimulator
    let shards: [ExporterApp.Assembly]
    let single: ExporterApp.Assembly
    private var metricsURLs: [ObjectIdentifier: String] = [:]

    init(shards count: Int, profiles: [ModelProfile]) throws {
        let scratch = try ScratchDirectory()
        self.scratch = scratch
        let clock = self.clock
        simulator = SunoSimulator(
            configuration: SimulatorConfiguration(models: profiles, seed: 42, clock: .manual(clock)),
            logger: quietLogger)
        try simulator.start()
        let baseURL = simulator.baseURL
        shards = try (0..<count).map {
            try Self.exporter(
                scratch.path("shard-\($0).db"), shard: Shard(index: $0, count: count), baseURL: baseURL, clock: clock)
        }
        single = try Self.exporter(scratch.path("single.db"), shard: nil, baseURL: baseURL, clock: clock)
        for assembly in shards + [single] {
            let port = try assembly.server.start()
            metricsURLs[ObjectIdentifier(assembly.collector)] = "http://127.0.0.1:\(port)/metrics"
        }
    }

    private static func exporter(_ storagePath: String, shard: Shard?, baseURL: String, clock: ManualClock) throws
        -> ExporterApp.Assembly
    {
        let settings = CollectorSettings(
            interval: 30, batchSize: 7, concurrency: 2,
            policy: LifecyclePolicy(giveUpAfter: 1_800, missingGrace: 300), shard: shard)
        let configuration = ServeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), storagePath: storagePath, requestTimeout: 20,
            collector: settings)
        return try ExporterApp.assemble(configuration, baseURL: baseURL, logger: quietLogger, clock: { clock.now })
    }

    /// Submits tasks to the simulator and registers every id with every exporter, as a client fanning its
    /// registrations out to all replicas would; ghosts are ids the gateway never heard of.
    func submitAndRegisterEverywhere(music: Int, lyrics: Int, ghosts: Int) throws -> [String] {
        let models = ["chirp-v4", "chirp-crow", "chirp-auk"]
        var registrations: [Registration] = []
        for index in 0..<music {
            let model = models[index % models.count]
            let id = simulator.submit(action: "MUSIC", model: model, prompt: "shard \(index)")
            registrations.append(Registration(id: id, action: .music, model: model))
        }
        for index in 0..<lyrics {
            let id = simulator.submit(action: "LYRICS", model: nil, prompt: "shard lyrics \(index)")
            registrations.append(Registration(id: id, action: .lyrics))
        }
        registrations += (0..<ghosts).map { Registration(id: "ghost-\($0)", action: .music, model: "chirp-v4") }
        var accepted = 0
        for shard in shards {
            let result = try shard.store.register(registrations, source: "api", now: clock.now)
            #expect(result.accepted + result.otherShard == registrations.count)
            accepted += result.accepted
        }
        #expect(accepted == registrations.count, "every id is owned by exactly one shard")
        let all = try single.store.register(registrations, source: "api", now: clock.now)
        #expect(all.accepted == registrations.count && all.otherShard == 0)
        return registrations.map(\.id)
    }

    /// Advances the clock, runs one cycle of every shard at once and then of the single exporter, and checks
    /// from the simulator's side that each unfinished task was asked for exactly once by the shards.
    func runCycleCheckingEachTaskPolledOnce(step: Double) async throws {
        clock.advance(by: step)
        let active = try shards.map { Set(try $0.store.activeTasks().map(\.id)) }
        let singleActive = Set(try single.store.activeTasks().map(\.id))
        #expect(Set(active.joined()) == singleActive, "the shards watch exactly what one exporter watches")
        #expect(active.map(\.count).reduce(0, +) == singleActive.count, "no id is watched by two shards")

        let before = simulator.stats.idsRequested
        await withTaskGroup(of: Void.self) { group in
            for shard in shards {
                group.addTask { _ = await shard.collector.runCycle() }
            }
        }
        let askedByShards = simulator.stats.idsRequested - before
        #expect(askedByShards == singleActive.count, "each unfinished task polled once by the shards")

        let beforeSingle = simulator.stats.idsRequested
        _ = await single.collector.runCycle()
        #expect(simulator.stats.idsRequested - beforeSingle == singleActive.count)
    }

    func scrape(_ assembly: ExporterApp.Assembly) async throws -> ExpositionSamples {
        let url = try #require(metricsURLs[ObjectIdentifier(assembly.collector)])
        let reply = try await TestHTTP.send("GET", url)
        #expect(reply.status == 200)
        return ExpositionSamples(reply.text)
    }

    func stop() {
        for assembly in shards + [single] {
            assembly.server.stop()
        }
        simulator.stop()
        scratch.remove()
    }
}

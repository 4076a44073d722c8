import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import SunoUpstream
import Synchronization

/// How economically the collector uses the gateway in a steady demo workload: the simulator's
/// demo models (a few percent fail, time out, hang or freeze), tasks submitted at a steady rate and
/// registered as `--demo` does, the collector at its defaults (batches of 50, 2 in flight, every
/// 15 s), all on a manual clock. Every batch request is recorded with its action and size.
enum GatewayEfficiencyBench {
    struct Result {
        var tasksPerMinute: Double
        var batchSize: Int
        var requests: Int
        var ids: Int
        var finished: Int
        /// The fewest requests that could have polled the same due tasks: Σ over cycles and actions of
        /// ⌈due / batch size⌉.
        var minimalRequests: Int
        /// Over (cycle, action) pairs with at least a batch of tasks due.
        var fullCycleRequests: Int
        var fullCycleIDs: Int
    }

    /// Forwards to the gateway client and records every call.
    final class RecordingSource: TaskStatusSource {
        let client: GatewayClient
        let calls = Mutex<[(action: TaskAction, ids: Int)]>([])

        init(client: GatewayClient) { self.client = client }

        func fetch(ids: [String], action: TaskAction) async throws(UpstreamError) -> [TaskObservation] {
            calls.withLock { $0.append((action, ids.count)) }
            return try await client.fetch(ids: ids, action: action)
        }

        func take() -> [(action: TaskAction, ids: Int)] {
            calls.withLock { calls in
                defer { calls = [] }
                return calls
            }
        }
    }

    static func run(tasksPerMinute: Double, warmUpMinutes: Int = 10, minutes: Int = 20) async throws -> Result {
        let clock = ManualClock(now: SimulatorChild.startInstant)
        var configuration = SimulatorConfiguration.demo()
        configuration.clock = .manual(clock)
        let simulator = SunoSimulator(configuration: configuration, logger: Measure.quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        let scratch = try ScratchDirectory("gateway")
        defer { scratch.remove() }

        let settings = CollectorSettings()
        let store = try TaskStore(path: scratch.path("exporter.db"))
        let state = ExporterState(maxModels: settings.maxModels, admittedModels: [])
        let recorder = SelfMetricsRecorder()
        let publisher = SnapshotPublisher(
            store: store, state: state, recorder: recorder, policy: settings.policy, buildInfo: BuildVersion.info)
        let source = RecordingSource(
            client: GatewayClient(
                configuration: GatewayClientConfiguration(baseURL: simulator.baseURL, requestTimeout: .seconds(60)),
                logger: Measure.quietLogger))
        let collector = Collector(
            store: store, source: source, settings: settings, state: state, recorder: recorder, publisher: publisher,
            logger: Measure.quietLogger, clock: { clock.now })

        let musicModels = configuration.models.filter { $0.action == .music }.compactMap(\.model)
        var generator = BenchRandom(seed: 7)
        var carry = 0.0
        var result = Result(
            tasksPerMinute: tasksPerMinute, batchSize: settings.batchSize, requests: 0, ids: 0, finished: 0,
            minimalRequests: 0, fullCycleRequests: 0, fullCycleIDs: 0)
        let cycles = (warmUpMinutes + minutes) * 4
        for cycle in 0..<cycles {
            // Arrivals over the last interval, as the demo workload submits them.
            carry += tasksPerMinute * settings.interval / 60
            var registrations: [Registration] = []
            while carry >= 1 {
                carry -= 1
                let lyrics = Double.random(in: 0..<1, using: &generator) < 0.15
                let model = lyrics ? nil : musicModels.randomElement(using: &generator)
                let id = simulator.submit(
                    action: lyrics ? "LYRICS" : "MUSIC", model: model, prompt: SimulatorChild.prompt,
                    backdatedBy: Double.random(in: 0..<settings.interval, using: &generator))
                registrations.append(Registration(id: id, action: lyrics ? .lyrics : .music, model: model))
            }
            try store.register(registrations, source: "demo", now: clock.now)
            clock.advance(by: settings.interval)

            var due: [TaskAction: Int] = [:]
            for task in try store.activeTasks() { due[task.action, default: 0] += 1 }
            let report = await collector.runCycle()
            let calls = source.take()
            guard cycle >= warmUpMinutes * 4 else { continue }
            result.requests += calls.count
            result.ids += calls.reduce(0) { $0 + $1.ids }
            result.finished += report.finished
            for (action, count) in due {
                result.minimalRequests += (count + settings.batchSize - 1) / settings.batchSize
                guard count >= settings.batchSize else { continue }
                let mine = calls.filter { $0.action == action }
                result.fullCycleRequests += mine.count
                result.fullCycleIDs += mine.reduce(0) { $0 + $1.ids }
            }
        }
        return result
    }
}

/// SplitMix64: the same arrivals in every run.
struct BenchRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

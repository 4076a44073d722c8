import Foundation
import Logging
import Synchronization

/// The simulator's shared state: the task table in submission (DB) order, the fault schedule and the
/// statistics, behind one `Mutex`. No background thread: task states are derived on demand from each
/// task's plan and the clock.
final class SimulatorEngine: Sendable {
    let configuration: SimulatorConfiguration
    let encoder: TaskItemEncoder
    let logger: Logger
    private let planner: TaskPlanner
    private let state = Mutex(EngineState())
    private let stopping = Atomic<Bool>(false)

    private struct EngineState {
        var tasks: [TaskPlan] = []
        var index: [String: Int] = [:]
        var faults = FaultSchedule()
        var stats = SimulatorStats()
        var requestCounter: UInt64 = 0
    }

    init(configuration: SimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        planner = TaskPlanner(configuration: configuration)
        encoder = TaskItemEncoder(shape: configuration.itemShape, clipExtraFields: configuration.clipExtraFields)
    }

    /// The simulator clock, Unix seconds.
    func now() -> Double { configuration.clock.now() }

    /// Creates a task submitted `backdatedBy` seconds ago and returns its id.
    func submit(_ request: SubmitRequest, backdatedBy: Double = 0) -> String {
        let submitInstant = now() - backdatedBy.sanitized()
        let plan = state.withLock { state in
            let plan = planner.plan(sequence: state.tasks.count, request: request, submitInstant: submitInstant) {
                state.index[$0] != nil
            }
            state.index[plan.id] = state.tasks.count
            state.tasks.append(plan)
            state.stats.tasksSubmitted += 1
            return plan
        }
        logger.debug(
            "task submitted",
            metadata: [
                "task.id": "\(plan.id)", "task.action": "\(plan.action.rawValue)",
                "task.model": "\(plan.model ?? "")", "task.ending": "\(plan.ending.planned.rawValue)",
            ])
        return plan.id
    }

    /// The known tasks among `ids`, once each, in submission order, cut at `itemLimit`.
    func tasks(withIDs ids: [String]) -> [TaskPlan] {
        state.withLock { state in
            var positions = Set<Int>()
            for id in ids { if let position = state.index[id] { positions.insert(position) } }
            var ordered = positions.sorted()
            if let limit = configuration.itemLimit { ordered = Array(ordered.prefix(max(0, limit))) }
            return ordered.map { state.tasks[$0] }
        }
    }

    /// One task by id.
    func task(withID id: String) -> TaskPlan? {
        state.withLock { state in state.index[id].map { state.tasks[$0] } }
    }

    /// Every task's state at one instant, in submission order.
    func groundTruth() -> [SimulatedTask] {
        let tasks = state.withLock { $0.tasks }
        let now = now()
        return tasks.map { $0.groundTruth(at: now) }
    }

    /// The account as the quota endpoint reports it now.
    func accountState() -> SimulatedAccountState {
        configuration.account.state(of: groundTruth())
    }

    func setFault(_ fault: SimulatorFault, count: Int?) {
        state.withLock { $0.faults.set(fault, count: count) }
        logger.info(
            "fault set", metadata: ["fault": "\(fault)", "fault.count": "\(count.map(String.init) ?? "unlimited")"])
    }

    /// Counts a request on `endpoint` and returns the fault it must get (`.none` for the real answer).
    func admit(_ endpoint: SimulatorEndpoint) -> SimulatorFault {
        state.withLock { state in
            state.stats.requests[endpoint, default: 0] += 1
            let fault = state.faults.take()
            if fault != .none { state.stats.faultsInjected += 1 }
            return fault
        }
    }

    /// Applies a change to the statistics.
    func record(_ change: (inout SimulatorStats) -> Void) {
        state.withLock { change(&$0.stats) }
    }

    var stats: SimulatorStats { state.withLock { $0.stats } }

    /// A new-api style request id: UTC time `yyyyMMddHHmmss`, nine digits of sub-second, eight random characters.
    func nextRequestID() -> String {
        let counter = state.withLock { state in
            state.requestCounter += 1
            return state.requestCounter
        }
        let instant = now().sanitized(limit: 1e15)
        let seconds = Int64(instant.rounded(.down))
        let nanos = Int64(((instant - Double(seconds)) * 1e9).rounded(.down))
        var generator = SeededGenerator(seed: configuration.seed, stream: counter, salt: 0x5EED)
        return UTCDateText.compact(seconds) + UTCDateText.pad(min(max(nanos, 0), 999_999_999), 9)
            + TaskIDs.randomAlphanumerics(8, using: &generator)
    }

    /// Set while the server stops, so slow answers end their sleep early.
    var isStopping: Bool {
        get { stopping.load(ordering: .acquiring) }
        set { stopping.store(newValue, ordering: .releasing) }
    }

    /// Sleeps up to `seconds`, in short slices, returning early when the server stops
    /// (`HTTPServer.stop()` waits for every handler).
    func sleep(seconds: Double) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds.sanitized(limit: 86_400) * 1_000))
        while !isStopping, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

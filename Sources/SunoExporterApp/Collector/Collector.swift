import Foundation
import Logging
import SunoExporterCore
import SunoStore
import SunoUpstream
import Synchronization

/// Polls the gateway for every watched, unfinished task and writes what changed.
///
/// One cycle: read the active ids, group them by action, fetch batches of ≤ batch-size ids with at
/// most `concurrency` requests in flight, apply the lifecycle rules to each batch and commit it in
/// one transaction, then publish a new metrics snapshot.
public final class Collector: Sendable {
    let store: TaskStore
    let source: any TaskStatusSource
    let settings: CollectorSettings
    let state: ExporterState
    let recorder: SelfMetricsRecorder
    let publisher: SnapshotPublisher
    let logger: Logger
    let clock: @Sendable () -> Double
    private let lastPrune = Mutex<Double>(0)

    public init(
        store: TaskStore, source: any TaskStatusSource, settings: CollectorSettings, state: ExporterState,
        recorder: SelfMetricsRecorder, publisher: SnapshotPublisher, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.store = store
        self.source = source
        self.settings = settings
        self.state = state
        self.recorder = recorder
        self.publisher = publisher
        self.logger = logger
        self.clock = clock
    }

    /// What one cycle did, for logs and tests.
    public struct CycleReport: Sendable, Equatable {
        public var tasks = 0
        public var batches = 0
        public var failedBatches = 0
        public var changed = 0
        public var finished = 0
        public var missing = 0
        /// The first failure of the cycle, safe to log.
        public var firstError: String?
    }

    /// Runs cycles every `interval` until the task is cancelled or `shouldStop` says so.
    /// A cycle in progress always finishes (its writes commit) before the loop ends.
    public func run(shouldStop: @escaping @Sendable () -> Bool = { false }) async {
        while !Task.isCancelled && !shouldStop() {
            let started = clock()
            _ = await runCycle()
            // Sleep in short steps so a graceful shutdown is noticed quickly.
            while !Task.isCancelled && !shouldStop() {
                let remaining = settings.interval - (clock() - started)
                if remaining <= 0 { break }
                try? await Task.sleep(for: .seconds(min(remaining, 0.25)))
            }
        }
    }

    /// One full cycle. Never throws: failures are logged once, counted, and the loop goes on.
    @discardableResult
    public func runCycle() async -> CycleReport {
        let started = clock()
        var report = CycleReport()
        let tasks: [TrackedTask]
        do {
            tasks = try store.activeTasks().filter { settings.shard?.owns($0.id) ?? true }
        } catch {
            logger.error("store read failed", metadata: ["error": "\(error)"])
            recorder.recordCycle(seconds: clock() - started, reachedGateway: false, fullySuccessful: false, endedAt: clock())
            publish()
            return report
        }
        report.tasks = tasks.count
        let batches = Self.batches(of: tasks, size: settings.batchSize)
        report.batches = batches.count

        await withTaskGroup(of: BatchResult.self) { group in
            var pending = batches.makeIterator()
            for _ in 0..<max(1, settings.concurrency) {
                guard let batch = pending.next() else { break }
                group.addTask { await self.poll(batch) }
            }
            for await result in group {
                report.add(result)
                if let batch = pending.next() { group.addTask { await self.poll(batch) } }
            }
        }

        let ended = clock()
        let reached = report.failedBatches < report.batches || report.batches == 0
        recorder.recordCycle(
            seconds: ended - started, reachedGateway: report.batches == 0 ? true : reached,
            fullySuccessful: report.failedBatches == 0, endedAt: ended)
        if let error = report.firstError {
            logger.warning(
                "poll failed",
                metadata: [
                    "batches.failed": "\(report.failedBatches)", "batches": "\(report.batches)", "error": "\(error)",
                ])
        } else {
            logger.debug(
                "cycle done",
                metadata: [
                    "tasks": "\(report.tasks)", "batches": "\(report.batches)", "changed": "\(report.changed)",
                    "finished": "\(report.finished)", "seconds": "\(String(format: "%.3f", ended - started))",
                ])
        }
        pruneIfDue(now: ended)
        state.firstCycleDone.store(true, ordering: .releasing)
        publish()
        return report
    }

    /// Applies a notify-hook callback like a poll result; an unknown id is registered first (source `hook`).
    public func ingestHook(_ observation: TaskObservation) throws {
        let now = clock()
        // Registering a known id is a no-op (and does not count), so no separate lookup is needed.
        let action = TaskAction(parsing: observation.action) ?? .music
        try store.register([Registration(id: observation.taskID, action: action)], source: "hook", now: now)
        try store.update(ids: [observation.taskID]) { current in
            self.apply(observations: [observation.taskID: observation], to: current, now: now, isPoll: false).commit
        }
    }

    func publish() {
        do {
            try publisher.publish(now: clock())
        } catch {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
        }
    }

    private func pruneIfDue(now: Double) {
        let due = lastPrune.withLock { last in
            guard now - last >= 3_600 else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let cutoff = now - settings.retention
            let pruned = try store.prune(finishedBefore: cutoff, rollupBefore: min(cutoff, now - 86_400))
            if pruned > 0 { logger.info("pruned finished tasks", metadata: ["tasks": "\(pruned)"]) }
        } catch {
            logger.error("prune failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - One batch

    struct Batch: Sendable {
        var action: TaskAction
        var ids: [String]
    }

    struct BatchResult: Sendable {
        var failed = false
        var error: String?
        var changed = 0
        var finished = 0
        var missing = 0
    }

    static func batches(of tasks: [TrackedTask], size: Int) -> [Batch] {
        var byAction: [TaskAction: [String]] = [:]
        for task in tasks { byAction[task.action, default: []].append(task.id) }
        var batches: [Batch] = []
        for action in TaskAction.allCases {
            let ids = byAction[action] ?? []
            var start = 0
            while start < ids.count {
                let end = min(start + max(1, size), ids.count)
                batches.append(Batch(action: action, ids: Array(ids[start..<end])))
                start = end
            }
        }
        return batches
    }

    private func poll(_ batch: Batch) async -> BatchResult {
        var result = BatchResult()
        let observations: [TaskObservation]
        do {
            observations = try await source.fetch(ids: batch.ids, action: batch.action)
        } catch {
            result.failed = true
            result.error = error.description
            return result
        }
        var byID: [String: TaskObservation] = [:]
        byID.reserveCapacity(observations.count)
        for observation in observations { byID[observation.taskID] = observation }
        let missing = batch.ids.reduce(0) { $0 + (byID[$1] == nil ? 1 : 0) }
        recorder.recordIDs(requested: batch.ids.count, missing: missing)
        result.missing = missing
        let now = clock()
        do {
            var applied = AppliedBatch()
            try store.update(ids: batch.ids) { current in
                applied = self.apply(observations: byID, to: current, now: now, isPoll: true)
                return applied.commit
            }
            result.changed = applied.commit.changed.count
            result.finished = applied.finished
            if !applied.commit.deltas.exemplars.isEmpty {
                state.exemplars.withLock { $0.merge(applied.commit.deltas.exemplars) { _, new in new } }
            }
        } catch {
            result.failed = true
            result.error = "store write failed: \(error)"
        }
        return result
    }

    struct AppliedBatch {
        var commit = BatchCommit()
        var finished = 0
    }

    /// Pure apart from the model labeler: lifecycle rules for every task of a batch.
    func apply(observations: [String: TaskObservation], to tasks: [TrackedTask], now: Double, isPoll: Bool) -> AppliedBatch {
        var applied = AppliedBatch()
        applied.commit.polledAt = now
        for task in tasks where !task.isFinished {
            let update = Lifecycle.apply(observations[task.id], to: task, now: now, policy: settings.policy, isPoll: isPoll)
            if update.isChanged {
                applied.commit.changed.append(update.task)
            } else if isPoll {
                applied.commit.polledUnchanged.append(task.id)
            }
            if let entry = update.history { applied.commit.history.append((task.id, entry)) }
            guard !update.events.isEmpty else { continue }
            let (label, admitted) = state.labeler.withLock { $0.label(for: update.task.model) }
            if admitted { applied.commit.newModels.append(label) }
            for event in update.events {
                applied.commit.deltas.record(event, action: task.action, model: label, taskID: task.id, now: now)
                if case .finished(let outcome, _, _) = event {
                    applied.finished += 1
                    let key = FinishMinute(minute: Int64((now / 60).rounded(.down)), action: task.action.rawValue, model: label)
                    var counts = applied.commit.finishMinutes[key] ?? (0, 0)
                    counts.finished += 1
                    if outcome == .failure { counts.failures += 1 }
                    applied.commit.finishMinutes[key] = counts
                }
            }
        }
        return applied
    }
}

extension Collector.CycleReport {
    mutating func add(_ result: Collector.BatchResult) {
        if result.failed {
            failedBatches += 1
            if firstError == nil { firstError = result.error }
        }
        changed += result.changed
        finished += result.finished
        missing += result.missing
    }
}

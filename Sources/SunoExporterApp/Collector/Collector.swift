import Foundation
import Logging
import SunoExporterCore
import SunoStore
import SunoUpstream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Polls the gateway for every watched, unfinished task and writes what changed.
///
/// One cycle: page through the active ids (by action, then id), cut them into batches of ≤ batch-size
/// ids of one action, fetch them with at most `concurrency` requests in flight, apply the lifecycle
/// rules to each batch and commit it in one transaction, then publish a new metrics snapshot.
/// Polls that changed nothing are counted in memory by the store and written every
/// `pollFlushInterval` seconds, and when `run` ends.
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
    /// When polls counted in memory were last written (nil until the first cycle ends).
    private let lastPollFlush = Mutex<Double?>(nil)
    /// Set while a publish asked for by `watchListChanged()` is pending.
    private let publishScheduled = Mutex(false)
    /// When the last publish (of a cycle or asked for) started.
    private let lastPublish = Mutex<ContinuousClock.Instant?>(nil)

    /// Seconds between writes of the poll bookkeeping kept in memory (`TaskStore.flushPollBookkeeping`):
    /// what a crash can lose of `last_polled` and `poll_count`, and how stale another process may see them.
    public static let pollFlushInterval: Double = 60

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
        flushPolls()
    }

    /// One full cycle. Never throws: failures are logged once, counted, and the loop goes on.
    @discardableResult
    public func runCycle() async -> CycleReport {
        let started = clock()
        var report = CycleReport()
        var batches = BatchSource(
            store: store, size: settings.batchSize, owns: { [settings] id in settings.shard?.owns(id) ?? true })
        let first: Batch?
        do {
            first = try batches.next()
        } catch {
            logger.error("store read failed", metadata: ["error": "\(error)"])
            recorder.recordCycle(
                seconds: clock() - started, reachedGateway: false, fullySuccessful: false, endedAt: clock())
            publish()
            return report
        }

        var storeError: String?
        await withTaskGroup(of: BatchResult.self) { group in
            var pending = first
            func nextBatch() -> Batch? {
                defer {
                    do {
                        pending = storeError == nil ? try batches.next() : nil
                    } catch {
                        storeError = "store read failed: \(error)"
                        pending = nil
                    }
                }
                return pending
            }
            for _ in 0..<max(1, settings.concurrency) {
                guard let batch = nextBatch() else { break }
                report.batches += 1
                group.addTask { await self.poll(batch) }
            }
            for await result in group {
                report.add(result)
                if let batch = nextBatch() {
                    report.batches += 1
                    group.addTask { await self.poll(batch) }
                }
            }
        }
        report.tasks = batches.handedOut
        if let storeError {
            // The rest of the watch list could not be read: the cycle is incomplete.
            report.failedBatches += 1
            report.batches += 1
            if report.firstError == nil { report.firstError = storeError }
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
        flushPollsIfDue(now: ended)
        state.firstCycleDone.store(true, ordering: .releasing)
        publish()
        HeapTrim.releaseFreeMemory()
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

    /// How long `watchListChanged()` waits at least before publishing: changes within it make one publish.
    static let watchListPublishDelay: Duration = .milliseconds(250)

    /// The least time between a publish asked for by `watchListChanged()` and the previous publish
    /// of any kind: a steady stream of hooks (one per status change) must not keep the exporter
    /// rendering (about 75 ms of CPU per publish at 10k series) and holding the store's lock.
    var minimumPublishGap: Duration { .seconds(max(1, settings.interval / 5)) }

    /// The watch list changed outside a cycle (tasks registered or forgotten through the API, a hook
    /// applied): a snapshot follows shortly, so `/metrics` shows them without waiting up to a whole
    /// `--collector.interval`. A burst of calls makes one publish, at most one per `minimumPublishGap`.
    public func watchListChanged() {
        let schedule = publishScheduled.withLock { scheduled in
            defer { scheduled = true }
            return !scheduled
        }
        guard schedule else { return }
        let sinceLast = lastPublish.withLock { $0.map { ContinuousClock.now - $0 } }
        let delay = max(Self.watchListPublishDelay, minimumPublishGap - (sinceLast ?? minimumPublishGap))
        Task {
            try? await Task.sleep(for: delay)
            // Stamped before the flag clears, so a change arriving meanwhile waits a whole gap.
            lastPublish.withLock { $0 = ContinuousClock.now }
            publishScheduled.withLock { $0 = false }
            publish()
        }
    }

    func publish() {
        lastPublish.withLock { $0 = ContinuousClock.now }
        do {
            try publisher.publish(now: clock())
        } catch {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
        }
    }

    private func flushPollsIfDue(now: Double) {
        let due = lastPollFlush.withLock { last in
            guard let previous = last else {
                last = now
                return false
            }
            guard now - previous >= Self.pollFlushInterval else { return false }
            last = now
            return true
        }
        if due { flushPolls() }
    }

    /// Writes the polls the store counted in memory to their rows.
    public func flushPolls() {
        do {
            try store.flushPollBookkeeping()
        } catch {
            logger.error("poll bookkeeping write failed", metadata: ["error": "\(error)"])
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
        var tasks: [ActiveTaskKey]
        var ids: [String] { tasks.map(\.id) }
    }

    struct BatchResult: Sendable {
        var failed = false
        var error: String?
        var changed = 0
        var finished = 0
        var missing = 0
    }

    /// Hands out a cycle's batches in polling order: at most `size` ids of one action each, the
    /// watch list read a page at a time, so a cycle holds a few batches of ids, not the whole list.
    struct BatchSource {
        let store: TaskStore
        let size: Int
        let owns: (String) -> Bool
        private var buffer: [ActiveTaskKey] = []
        private var position = 0
        private var cursor: ActiveTaskKey?
        private var exhausted = false
        /// Ids put into batches so far.
        private(set) var handedOut = 0

        init(store: TaskStore, size: Int, owns: @escaping (String) -> Bool) {
            self.store = store
            self.size = max(1, size)
            self.owns = owns
        }

        /// The next batch, or nil when the watch list is done.
        mutating func next() throws -> Batch? {
            // Keep a full batch buffered when there is one: batches are only cut short where the action changes.
            let pageSize = size * 10
            while buffer.count - position < size && !exhausted {
                let page = try store.activeTaskPage(after: cursor, limit: pageSize)
                cursor = page.last ?? cursor
                exhausted = page.count < pageSize
                buffer.removeFirst(position)
                position = 0
                let owns = self.owns
                buffer.append(contentsOf: page.filter { owns($0.id) })
            }
            guard position < buffer.count else { return nil }
            let action = buffer[position].action
            var end = position
            while end < buffer.count, end - position < size, buffer[end].action == action { end += 1 }
            defer { position = end }
            handedOut += end - position
            return Batch(action: action, tasks: Array(buffer[position..<end]))
        }
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
        let missing = batch.tasks.reduce(0) { $0 + (byID[$1.id] == nil ? 1 : 0) }
        recorder.recordIDs(requested: batch.tasks.count, missing: missing)
        result.missing = missing
        let now = clock()
        do {
            var applied = AppliedBatch()
            try store.applyPoll(batch.tasks, observations: byID, now: now, giveUpAfter: settings.policy.giveUpAfter) {
                current in
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
    func apply(observations: [String: TaskObservation], to tasks: [TrackedTask], now: Double, isPoll: Bool)
        -> AppliedBatch
    {
        var applied = AppliedBatch()
        applied.commit.polledAt = now
        var models = ModelNameCache()
        for task in tasks where !task.isFinished {
            let update = Lifecycle.apply(
                observations[task.id], to: task, now: now, policy: settings.policy, isPoll: isPoll)
            if update.isChanged {
                applied.commit.changed.append(update.task)
            } else if isPoll {
                applied.commit.polledUnchanged.append(task.id)
            }
            if let entry = update.history { applied.commit.history.append((task.id, entry)) }
            guard !update.events.isEmpty else { continue }
            let model = models.model(of: update.task)
            let (label, admitted) = state.labeler.withLock { $0.label(for: model) }
            if admitted { applied.commit.newModels.append(label) }
            for event in update.events {
                applied.commit.deltas.record(event, action: task.action, model: label, taskID: task.id, now: now)
                if case .finished(let outcome, _, _) = event {
                    applied.finished += 1
                    let key = FinishMinute(
                        minute: Int64((now / 60).rounded(.down)), action: task.action.rawValue, model: label)
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

/// Gives the heap a cycle freed back to the system. A cycle's transient buffers (answers, decoded
/// items, rows, the snapshot's renderings) are spread over glibc's per-thread malloc arenas, which
/// otherwise keep the freed pages resident: the process would settle well above what it uses.
/// `malloc_trim` is looked up at run time (it is not in the Swift Glibc module); elsewhere this is a no-op.
enum HeapTrim {
    #if canImport(Glibc)
        private typealias Trim = @convention(c) (Int) -> Int32
        private static let trim: Trim? = {
            guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: Trim.self)
        }()
    #endif

    static func releaseFreeMemory() {
        #if canImport(Glibc)
            _ = trim?(0)
        #endif
    }
}

import Foundation
import Logging
import SunoExporterCore
import SunoStore
import SunoUpstream
import Synchronization

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
        /// Batches (or watch-list pages) the store could not read or write; the store's health logs why.
        public var storeFailures = 0
        /// Batches the gateway answered validly.
        public var answeredBatches = 0
        /// The first gateway failure of the cycle, safe to log.
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
        await flushPollsInBackground()
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
            first = try await batches.next()
        } catch {
            // (Logged by the store's health, once per change.)
            recorder.recordCycle(
                seconds: clock() - started, reachedGateway: false, fullySuccessful: false, endedAt: clock())
            await publish()
            return report
        }

        var watchListUnread = false
        await withTaskGroup(of: BatchResult.self) { group in
            var pending = first
            // The batch read ahead, and the one after it read now (while the others are fetched).
            func nextBatch() async -> Batch? {
                let batch = pending
                if batch != nil, !watchListUnread {
                    do {
                        pending = try await batches.next()
                    } catch {
                        watchListUnread = true
                        pending = nil
                    }
                }
                return batch
            }
            for _ in 0..<max(1, settings.concurrency) {
                guard let batch = await nextBatch() else { break }
                report.batches += 1
                group.addTask { await self.poll(batch) }
            }
            for await result in group {
                report.add(result)
                if let batch = await nextBatch() {
                    report.batches += 1
                    group.addTask { await self.poll(batch) }
                }
            }
        }
        report.tasks = batches.handedOut
        if watchListUnread {
            // The rest of the watch list could not be read: the cycle is incomplete.
            report.failedBatches += 1
            report.batches += 1
            report.storeFailures += 1
        }

        let ended = clock()
        // A batch the store failed to write still got a valid answer from the gateway.
        let reached = report.answeredBatches > 0 || report.batches == 0
        recorder.recordCycle(
            seconds: ended - started, reachedGateway: reached,
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
        await pruneIfDue(now: ended)
        await flushPollsIfDue(now: ended)
        if store.health.writesFailing {
            // The store notices by itself when space (or write access) is back: only a probe that
            // finds room ends a failure (its outcome is in the store's health).
            try? await store.probeWriteInBackground()
        }
        state.firstCycleDone.store(true, ordering: .releasing)
        await publish()
        HeapTrim.releaseFreeMemory()
        return report
    }

    /// Applies a notify-hook callback like a poll result; an unknown id is registered first (source `hook`).
    public func ingestHook(_ observation: TaskObservation) throws {
        let now = clock()
        // Registering a known id is a no-op (and does not count), so no separate lookup is needed.
        let action = TaskAction(parsing: observation.action) ?? .music
        try store.register([Registration(id: observation.taskID, action: action)], source: "hook", now: now)
        let transition = try store.update(ids: [observation.taskID]) { rows in
            self.rules([observation.taskID: observation], rows: rows, now: now, isPoll: false)
        }
        committed(transition)
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
            await publish()
        }
    }

    /// A new snapshot, built off Swift's pool. Should the store be unreadable, scrapes keep the last one.
    func publish() async {
        lastPublish.withLock { $0 = ContinuousClock.now }
        do {
            try await publisher.publishInBackground(now: clock())
        } catch {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
        }
    }

    private func flushPollsIfDue(now: Double) async {
        let due = lastPollFlush.withLock { last in
            guard let previous = last else {
                last = now
                return false
            }
            guard now - previous >= Self.pollFlushInterval else { return false }
            last = now
            return true
        }
        if due { await flushPollsInBackground() }
    }

    /// Writes the polls the store counted in memory to their rows, on the caller's thread.
    /// (A failure is logged by the store's health; the polls stay counted for the next flush.)
    public func flushPolls() {
        _ = try? store.flushPollBookkeeping()
    }

    private func flushPollsInBackground() async {
        _ = try? await store.flushPollBookkeepingInBackground()
    }

    private func pruneIfDue(now: Double) async {
        let due = lastPrune.withLock { last in
            guard now - last >= 3_600 else { return false }
            last = now
            return true
        }
        guard due else { return }
        // (A failure is logged by the store's health; pruning is tried again in an hour.)
        let cutoff = now - settings.retention
        let pruned = try? await store.pruneInBackground(
            finishedBefore: cutoff, rollupBefore: min(cutoff, now - 86_400))
        if let pruned, pruned > 0 { logger.info("pruned finished tasks", metadata: ["tasks": "\(pruned)"]) }
    }
}

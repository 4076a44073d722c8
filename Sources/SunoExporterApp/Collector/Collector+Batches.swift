import SunoExporterCore
import SunoStore

// One cycle's batches: how the watch list is cut, and what polling one batch does.
extension Collector {
    struct Batch: Sendable {
        var action: TaskAction
        var tasks: [ActiveTaskKey]
        var ids: [String] { tasks.map(\.id) }
    }

    struct BatchResult: Sendable {
        var failed = false
        /// The store failed (the gateway answered).
        var storeFailed = false
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
        mutating func next() async throws -> Batch? {
            // Keep a full batch buffered when there is one: batches are only cut short where the action changes.
            let pageSize = size * 10
            while buffer.count - position < size && !exhausted {
                let page = try await store.activeTaskPageInBackground(after: cursor, limit: pageSize)
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

    /// Fetches one batch and applies the answer: the core's `BatchTransition` over the batch's
    /// current rows, committed by the store in one transaction.
    func poll(_ batch: Batch) async -> BatchResult {
        var result = BatchResult()
        let observations: [TaskObservation]
        do {
            observations = try await source.fetch(ids: batch.ids, action: batch.action)
        } catch {
            result.failed = true
            result.error = error.description
            return result
        }
        let byID = Dictionary(observations.map { ($0.taskID, $0) }, uniquingKeysWith: { _, last in last })
        let missing = batch.tasks.reduce(0) { $0 + (byID[$1.id] == nil ? 1 : 0) }
        recorder.recordIDs(requested: batch.tasks.count, missing: missing)
        result.missing = missing
        let now = clock()
        do {
            let transition = try await store.applyPollInBackground(
                batch.tasks, observations: byID, now: now, giveUpAfter: settings.policy.giveUpAfter
            ) { rows in
                self.rules(byID, rows: rows, now: now, isPoll: true)
            }
            committed(transition)
            result.changed = transition.changed.count
            result.finished = transition.finished
        } catch {
            result.failed = true
            result.storeFailed = true
        }
        return result
    }

    /// The core's rules for a batch, with the shared model labels.
    func rules(_ observations: [String: TaskObservation], rows: [TrackedTask], now: Double, isPoll: Bool)
        -> BatchTransition
    {
        state.labeler.withLock { labeler in
            BatchTransition.apply(
                observations, to: rows, now: now, policy: settings.policy, labeler: &labeler, isPoll: isPoll)
        }
    }

    /// What a transition leaves in memory once the store committed it: its admitted models are
    /// persisted, its exemplars are the latest.
    func committed(_ transition: BatchTransition) {
        state.labeler.withLock { $0.markPersisted(upTo: transition.admittedModelCount) }
        if !transition.deltas.exemplars.isEmpty {
            state.exemplars.withLock { $0.merge(transition.deltas.exemplars) { _, new in new } }
        }
    }
}

extension Collector.CycleReport {
    mutating func add(_ result: Collector.BatchResult) {
        if result.failed {
            failedBatches += 1
            if result.storeFailed { storeFailures += 1 }
            if firstError == nil { firstError = result.error }
        }
        if !result.failed || result.storeFailed { answeredBatches += 1 }
        changed += result.changed
        finished += result.finished
        missing += result.missing
    }
}

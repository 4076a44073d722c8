/// What one poll answer (or one hook callback) does to a batch of watched tasks: everything the
/// store writes in the batch's transaction, decided by the lifecycle rules alone.
///
/// The store reads the batch's rows inside its write transaction, hands them to `apply`, and
/// persists the value as it is: it never looks into the rules.
public struct BatchTransition: Sendable, Equatable {
    /// Rows that changed beyond poll bookkeeping: each is written whole.
    public var changed: [TrackedTask] = []
    /// Ids polled without any other change: only `last_polled` and `poll_count` move.
    public var polledUnchanged: [String] = []
    /// When the batch was polled (the `now` of `apply`).
    public var polledAt: Double = 0
    /// Status changes worth a history row, in task order.
    public var history: [HistoryRecord] = []
    /// Additions to the persisted counters and histograms.
    public var deltas = AggregateDeltas()
    /// Finishes to add to the failure-ratio rollup.
    public var finishMinutes: [FinishMinute: FinishCounts] = [:]
    /// Models admitted to the label set and not yet persisted, in admission order.
    public var newModels: [String] = []
    /// How many models the labeler had admitted once this batch was labelled: after the commit,
    /// that many are persisted (`ModelLabeler.markPersisted`).
    public var admittedModelCount = 0
    /// Tasks that ended in this batch.
    public var finished = 0

    public init() {}

    /// Nothing to write.
    public var isEmpty: Bool {
        changed.isEmpty && polledUnchanged.isEmpty && history.isEmpty && deltas.isEmpty && newModels.isEmpty
            && finishMinutes.isEmpty
    }
}

/// One history row: a status change of the task `taskID`.
public struct HistoryRecord: Sendable, Equatable {
    public var taskID: String
    public var entry: HistoryEntry

    public init(taskID: String, entry: HistoryEntry) {
        self.taskID = taskID
        self.entry = entry
    }
}

extension BatchTransition {
    /// Applies what the gateway said (`observations` by task id; an id missing from it was not in
    /// the answer) to the batch's current rows `tasks`, at `now`.
    ///
    /// Pure apart from `labeler`, the bounded model labels, which admits the models of tasks that
    /// produce events. Finished tasks are left alone (a finish is never counted twice). `isPoll` is
    /// false for notify-hook callbacks: they do not count as polls.
    public static func apply(
        _ observations: [String: TaskObservation], to tasks: [TrackedTask], now: Double, policy: LifecyclePolicy,
        labeler: inout ModelLabeler, isPoll: Bool = true
    ) -> BatchTransition {
        var transition = BatchTransition()
        transition.polledAt = now
        var models = ModelNameCache()
        for task in tasks where !task.isFinished {
            let update = Lifecycle.apply(observations[task.id], to: task, now: now, policy: policy, isPoll: isPoll)
            if update.isChanged {
                transition.changed.append(update.task)
            } else if isPoll {
                transition.polledUnchanged.append(task.id)
            }
            if let entry = update.history { transition.history.append(HistoryRecord(taskID: task.id, entry: entry)) }
            guard !update.events.isEmpty else { continue }
            let label = labeler.label(for: models.model(of: update.task)).label
            for event in update.events {
                transition.deltas.record(event, action: task.action, model: label, taskID: task.id, now: now)
                guard case .finished(let outcome, _, _) = event else { continue }
                transition.finished += 1
                let key = FinishMinute(minute: FinishMinute.minute(of: now), action: task.action, model: label)
                var counts = transition.finishMinutes[key] ?? FinishCounts()
                counts.finished += 1
                if outcome == .failure { counts.failures += 1 }
                transition.finishMinutes[key] = counts
                // The gateway never returned this id: a foreign or lost id, by where it came from.
                if outcome == .expired, update.task.firstReturned == nil {
                    transition.deltas.recordNeverSeen(source: RegistrationSource(label: task.source))
                }
            }
        }
        transition.newModels = Array(labeler.unpersisted)
        transition.admittedModelCount = labeler.admitted.count
        return transition
    }
}

/// An event that changes persisted aggregates, produced at most once per task and kind.
public enum TaskEvent: Sendable, Equatable {
    /// The task ended. `seconds` is time to finish on the gateway clock.
    case finished(outcome: TaskOutcome, seconds: Double, reason: FailureReason?)
    /// submit → start, observed once when the task is first seen running or ended.
    case queueWait(seconds: Double)
    /// submit → first poll that saw a playable clip.
    case firstAudio(seconds: Double)
}

/// A status change worth a history row.
public struct HistoryEntry: Sendable, Equatable {
    public var status: String
    public var progress: String
    public var failReason: String
    public var observedAt: Double

    public init(status: String, progress: String, failReason: String, observedAt: Double) {
        self.status = status
        self.progress = progress
        self.failReason = failReason
        self.observedAt = observedAt
    }
}

/// The result of applying one poll (or hook) to one task.
public struct TaskUpdate: Sendable, Equatable {
    public var task: TrackedTask
    public var history: HistoryEntry?
    public var events: [TaskEvent]
    /// False when only poll bookkeeping (last polled, poll count) changed: the row needs no rewrite.
    public var isChanged: Bool
}

/// The domain rules of DESIGN.md §2, as a pure function of (task, observation, now).
public enum Lifecycle {
    /// Applies what the gateway said about `task` (nil: the id was not in the answer).
    /// `isPoll` is false for notify-hook callbacks, which do not count as polls.
    public static func apply(
        _ observation: TaskObservation?, to task: TrackedTask, now: Double, policy: LifecyclePolicy,
        isPoll: Bool = true
    ) -> TaskUpdate {
        var next = task
        if isPoll {
            next.lastPolled = now
            next.pollCount += 1
        }
        guard task.outcome == nil else {
            return TaskUpdate(task: next, history: nil, events: [], isChanged: false)
        }
        var events: [TaskEvent] = []
        var history: HistoryEntry?

        if let observation {
            let firstReturn = task.firstReturned == nil
            if firstReturn { next.firstReturned = now }
            next.status = observation.status
            next.progress = observation.progress
            next.failReason = observation.failReason
            // The gateway only ever sets timestamps; a 0 never erases a known value.
            if observation.submitTime > 0 { next.submitTime = observation.submitTime }
            if observation.startTime > 0 { next.startTime = observation.startTime }
            if observation.finishTime > 0 { next.finishTime = observation.finishTime }
            if let model = observation.modelName, !model.isEmpty { next.clipModel = model }
            if firstReturn || next.status != task.status || next.progress != task.progress
                || next.failReason != task.failReason
            {
                history = HistoryEntry(
                    status: next.status, progress: next.progress, failReason: next.failReason, observedAt: now)
            }
            let status = next.statusClass
            let ended = status.isTerminal || observation.isFrozenFailure
            if !next.queueWaitObserved, next.startTime > 0, next.submitTime > 0, status == .inProgress || ended {
                next.queueWaitObserved = true
                events.append(.queueWait(seconds: Double(max(0, next.startTime - next.submitTime))))
            }
            if !next.firstAudioObserved, next.action == .music, observation.hasStreamableClip {
                next.firstAudioObserved = true
                events.append(.firstAudio(seconds: max(0, now - next.submitReference)))
            }
            if ended {
                let outcome: TaskOutcome = status == .success ? .success : .failure
                let end = next.finishTime > 0 ? Double(next.finishTime) : now
                finish(&next, outcome: outcome, end: end, now: now, events: &events)
            } else if now - next.submitReference > policy.giveUpAfter {
                finish(&next, outcome: .expired, end: now, now: now, events: &events)
            }
        } else if task.firstReturned == nil, now - task.firstSeen >= policy.missingGrace {
            finish(&next, outcome: .expired, end: now, now: now, events: &events)
        } else if now - task.submitReference > policy.giveUpAfter {
            finish(&next, outcome: .expired, end: now, now: now, events: &events)
        }

        var bookkeepingOnly = task
        bookkeepingOnly.lastPolled = next.lastPolled
        bookkeepingOnly.pollCount = next.pollCount
        return TaskUpdate(task: next, history: history, events: events, isChanged: bookkeepingOnly != next)
    }

    private static func finish(
        _ task: inout TrackedTask, outcome: TaskOutcome, end: Double, now: Double, events: inout [TaskEvent]
    ) {
        task.outcome = outcome
        task.finishedAt = now
        let reason: FailureReason? = outcome == .failure ? FailureReason(classifying: task.failReason) : nil
        events.append(.finished(outcome: outcome, seconds: max(0, end - task.submitReference), reason: reason))
    }

    /// Stuck: not finished and older than the action's threshold (DESIGN.md §2).
    public static func isStuck(_ task: TrackedTask, now: Double, policy: LifecyclePolicy) -> Bool {
        task.outcome == nil && now - task.submitReference > policy.stuckThreshold(for: task.action)
    }
}

/// `ModelName.normalise` remembered per raw name. The collector and the store need the model of
/// every changed task, batches hold a handful of distinct names, and normalising looks up Unicode
/// properties scalar by scalar: one cache per batch makes that a dictionary lookup per task.
public struct ModelNameCache: Sendable {
    /// Distinct names kept at most (the cache empties when full, so odd gateway names cannot grow it).
    public static let capacity = 256
    private var names: [String: String] = [:]

    public init() {}

    /// `task.model`.
    public mutating func model(of task: TrackedTask) -> String {
        guard let raw = task.clipModel ?? task.registeredModel else { return ModelName.normalise(nil) }
        if let known = names[raw] { return known }
        let normalised = ModelName.normalise(raw)
        if names.count >= Self.capacity { names.removeAll(keepingCapacity: true) }
        names[raw] = normalised
        return normalised
    }
}

/// A clip's status as the Suno feed reports it.
enum ClipState: String, Sendable {
    case submitted, queued, streaming, complete, error

    init(_ stage: MusicStage) {
        switch stage {
        case .notStart, .submitted: self = .submitted
        case .queued: self = .queued
        case .streaming: self = .streaming
        case .done: self = .complete
        }
    }
}

/// What a task item's `data` holds.
enum TaskPayload: Sendable, Equatable {
    /// `null`: the gateway has not polled the upstream yet.
    case none
    /// MUSIC: an array of clips.
    case clips([ClipState])
    /// LYRICS: one object whose `status` is "complete" or "error".
    case lyrics(ClipState)
}

/// A task as a fetch answers it at one instant.
struct TaskSnapshot: Sendable, Equatable {
    var status: String
    var progress: String
    var failReason: String
    var submitTime: Int64
    var startTime: Int64
    var finishTime: Int64
    var payload: TaskPayload
}

extension TaskPlan {
    /// The task at `now`: a pure function of the plan, so answers never regress and repeat exactly.
    func snapshot(at now: Double) -> TaskSnapshot {
        switch action {
        case .music: musicSnapshot(at: now)
        case .lyrics: lyricsSnapshot(at: now)
        }
    }

    /// Unix seconds as the gateway stores them.
    private static func seconds(_ instant: Double) -> Int64 { Int64(instant.sanitized(limit: 1e15).rounded(.down)) }

    private var submitSeconds: Int64 { Self.seconds(milestones.submit) }

    /// `start_time` once the task reached `stage`: set at IN_PROGRESS, else maybe the submit time.
    private func startTime(reached stage: MusicStage) -> Int64 {
        if stage >= .streaming { return Self.seconds(milestones.inProgress) }
        return startsAtSubmit ? submitSeconds : 0
    }

    private func status(of stage: MusicStage) -> String {
        switch stage {
        case .notStart: "NOT_START"
        case .submitted: "SUBMITTED"
        case .queued: "QUEUED"
        case .streaming, .done: "IN_PROGRESS"
        }
    }

    private func clips(at stage: MusicStage) -> TaskPayload {
        stage == .notStart ? .none : .clips([ClipState(stage), ClipState(stage)])
    }

    /// A non-terminal MUSIC task in `stage` (never `.done`).
    private func running(_ stage: MusicStage, progress: String = "0%", failReason: String = "") -> TaskSnapshot {
        let stage = min(stage, .streaming)
        return TaskSnapshot(
            status: status(of: stage), progress: progress, failReason: failReason, submitTime: submitSeconds,
            startTime: startTime(reached: stage), finishTime: 0, payload: clips(at: stage))
    }

    /// A terminal FAILURE after reaching `stage`.
    private func failed(reason: String, at instant: Double, reached stage: MusicStage, payload: TaskPayload)
        -> TaskSnapshot
    {
        TaskSnapshot(
            status: "FAILURE", progress: "100%", failReason: reason, submitTime: submitSeconds,
            startTime: startTime(reached: stage), finishTime: Self.seconds(instant), payload: payload)
    }

    private func musicSnapshot(at now: Double) -> TaskSnapshot {
        let m = milestones
        switch ending {
        case .success:
            guard now >= m.done else { return running(m.stage(at: now)) }
            return TaskSnapshot(
                status: "SUCCESS", progress: "100%", failReason: "", submitTime: submitSeconds,
                startTime: startTime(reached: .done), finishTime: Self.seconds(m.done),
                payload: .clips([.complete, .complete]))
        case .failure(let plan):
            guard now >= plan.at else { return running(m.stage(at: now)) }
            let clips: [ClipState] =
                switch plan.layout {
                case .completeThenError: [.complete, .error]
                case .errorThenStreaming: [.error, .streaming]
                case .bothError: [.error, .error]
                }
            return failed(reason: plan.message, at: plan.at, reached: plan.stageBefore, payload: .clips(clips))
        case .timeout(let at):
            guard now >= at else { return running(m.stage(at: now)) }
            let stage = min(m.stage(at: at), .streaming)
            return failed(reason: "time out", at: at, reached: stage, payload: clips(at: stage))
        case .hang(let last, let sweepAt, let message):
            if let sweepAt, now >= sweepAt {
                let stage = min(m.stage(at: sweepAt), last, .streaming)
                return failed(reason: message, at: sweepAt, reached: stage, payload: clips(at: stage))
            }
            return running(min(m.stage(at: now), last))
        case .frozen(let at, let reason):
            guard now >= at else { return running(m.stage(at: now)) }
            return running(m.stage(at: at), progress: "100%", failReason: reason)
        }
    }

    private func lyricsSnapshot(at now: Double) -> TaskSnapshot {
        let submit = submitSeconds
        let waiting = TaskSnapshot(
            status: "NOT_START", progress: "0%", failReason: "", submitTime: submit,
            startTime: startsAtSubmit ? submit : 0, finishTime: 0, payload: .none)
        switch ending {
        case .success:
            guard now >= milestones.done else { return waiting }
            // The upstream finished before answering the submit: submit = start = finish.
            return TaskSnapshot(
                status: "SUCCESS", progress: "100%", failReason: "", submitTime: submit, startTime: submit,
                finishTime: submit, payload: .lyrics(.complete))
        case .failure(let plan):
            guard now >= plan.at else { return waiting }
            return TaskSnapshot(
                status: "FAILURE", progress: "100%", failReason: plan.message, submitTime: submit, startTime: submit,
                finishTime: submit, payload: .lyrics(.error))
        case .timeout(let at):
            guard now >= at else { return waiting }
            return failed(reason: "time out", at: at, reached: .notStart, payload: .none)
        case .hang(_, let sweepAt, let message):
            guard let sweepAt, now >= sweepAt else { return waiting }
            return failed(reason: message, at: sweepAt, reached: .notStart, payload: .none)
        case .frozen(let at, let reason):
            guard now >= at else { return waiting }
            var frozen = waiting
            frozen.progress = "100%"
            frozen.failReason = reason
            return frozen
        }
    }
}

extension TaskPlan {
    /// The ground-truth record of this task at `now`.
    func groundTruth(at now: Double) -> SimulatedTask {
        let snapshot = snapshot(at: now)
        let terminal = snapshot.status == "SUCCESS" || snapshot.status == "FAILURE"
        let isHanging = if case .hang = ending { true } else { false }
        return SimulatedTask(
            id: id, action: action, model: model, status: snapshot.status, submitTime: snapshot.submitTime,
            startTime: snapshot.startTime, finishTime: snapshot.finishTime, failReason: snapshot.failReason,
            progress: snapshot.progress, isHanging: isHanging,
            isFrozen: !terminal && snapshot.progress == "100%" && !snapshot.failReason.isEmpty,
            plannedEnding: ending.planned, sequence: sequence)
    }
}

/// How a task was planned to end when it was submitted.
public enum PlannedEnding: String, Sendable, Hashable, CaseIterable {
    case success
    /// FAILURE with an error clip.
    case failure
    /// FAILURE `"time out"`.
    case timeout
    /// Never reaches a terminal status (unless the gateway sweep is configured).
    case hang
    /// Frozen by the gateway: progress "100%" + fail_reason, status non-terminal.
    case frozen
}

/// The truth about one task at the moment `SunoSimulator.groundTruth()` was called: exactly the
/// values a fetch answer gives at that moment.
public struct SimulatedTask: Sendable, Equatable {
    /// The task id as the gateway hands it out.
    public var id: String
    /// MUSIC or LYRICS.
    public var action: SimulatedAction
    /// The `mv` of a MUSIC task (also every clip's `model_name`); the model given to `submit` for LYRICS.
    public var model: String?
    /// The `status` string a fetch answers now.
    public var status: String
    /// Unix seconds; 0 = unset.
    public var submitTime: Int64
    public var startTime: Int64
    public var finishTime: Int64
    /// `fail_reason` now ("" unless failed or frozen).
    public var failReason: String
    /// `progress` now: "0%" or "100%".
    public var progress: String
    /// The task will never finish on its own (planned hang).
    public var isHanging: Bool
    /// The task is frozen now: progress "100%" with a fail reason and a non-terminal status.
    public var isFrozen: Bool
    /// How the task was drawn to end.
    public var plannedEnding: PlannedEnding
    /// Position in submission (DB) order, from 0.
    public var sequence: Int

    /// SUCCESS or FAILURE now.
    public var isTerminal: Bool { status == "SUCCESS" || status == "FAILURE" }

    /// Terminal or frozen: a client stops polling it.
    public var isFinished: Bool { isTerminal || isFrozen }

    /// `finish_time - submit_time` for a terminal task (nil otherwise, frozen tasks included).
    public var durationSeconds: Int64? { isTerminal ? finishTime - submitTime : nil }
}

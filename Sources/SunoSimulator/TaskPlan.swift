/// The phases of a MUSIC task as the gateway shows them, in order.
enum MusicStage: Int, Comparable, Sendable {
    case notStart, submitted, queued, streaming, done

    static func < (lhs: MusicStage, rhs: MusicStage) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The absolute instants (Unix seconds) at which a task enters each phase, scaled already.
struct Milestones: Sendable {
    var submit: Double
    var submitted: Double
    var queued: Double
    var inProgress: Double
    var done: Double

    /// The phase the natural timeline is in at `instant`.
    func stage(at instant: Double) -> MusicStage {
        if instant >= done { return .done }
        if instant >= inProgress { return .streaming }
        if instant >= queued { return .queued }
        if instant >= submitted { return .submitted }
        return .notStart
    }
}

/// Which clips a failed MUSIC task shows.
enum FailureLayout: Sendable {
    /// One clip finished, the other failed: FAILURE with a usable audio_url.
    case completeThenError
    /// The first clip failed while the other was still streaming.
    case errorThenStreaming
    /// Both refused (a moderation failure right after submit).
    case bothError
}

/// A failure drawn at submit time.
struct FailurePlan: Sendable {
    /// When the task turns FAILURE.
    var at: Double
    /// The phase the task had reached just before failing.
    var stageBefore: MusicStage
    var layout: FailureLayout
    var errorType: String
    var message: String
}

/// How a task ends, drawn at submit time.
enum Ending: Sendable {
    case success
    case failure(FailurePlan)
    case timeout(at: Double)
    /// Stops advancing at `stage`; fails with `sweepMessage` at `sweepAt` when the sweep is configured.
    case hang(stage: MusicStage, sweepAt: Double?, sweepMessage: String)
    /// At `at`, progress becomes "100%" with `reason`; nothing changes afterwards.
    case frozen(at: Double, reason: String)

    var planned: PlannedEnding {
        switch self {
        case .success: .success
        case .failure: .failure
        case .timeout: .timeout
        case .hang: .hang
        case .frozen: .frozen
        }
    }
}

/// Texts and clip facts drawn at submit time.
struct GeneratedContent: Sendable {
    var title: String
    var tags: String
    var lyrics: String
    var clipIDs: [String]
    /// Seconds, two decimals, one per clip.
    var durations: [Double]
}

/// Everything decided when a task was submitted. Immutable: its state at any instant is a pure
/// function of this plan and that instant (`TaskPlan.snapshot(at:)`).
struct TaskPlan: Sendable {
    var sequence: Int
    var id: String
    var request: SubmitRequest
    var milestones: Milestones
    /// Reports `start_time == submit_time` before the task really starts.
    var startsAtSubmit: Bool
    var ending: Ending
    var content: GeneratedContent

    var action: SimulatedAction { request.action }
    var model: String? { request.resolvedModel }
}

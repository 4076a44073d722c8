/// What one gateway task item says about a task, reduced to what the exporter uses.
/// Produced by `GatewayDecoder` from `POST /suno/fetch` answers and notify-hook callbacks.
public struct TaskObservation: Sendable, Equatable {
    public var taskID: String
    /// The item's `action` as sent ("MUSIC", "LYRICS", or anything else verbatim).
    public var action: String
    /// The status string verbatim; `TaskStatus(upstream:)` classifies it.
    public var status: String
    /// Progress text verbatim ("0%", "100%", …); a number is rendered as "<n>%".
    public var progress: String
    public var failReason: String
    /// Unix seconds; 0 means unset.
    public var submitTime: Int64
    public var startTime: Int64
    public var finishTime: Int64
    /// `model_name` of the first MUSIC clip that has one (nil for lyrics and fresh tasks).
    public var modelName: String?
    /// True when any MUSIC clip is `streaming` or `complete` (audio can be played).
    public var hasStreamableClip: Bool

    public init(
        taskID: String, action: String = "MUSIC", status: String = "NOT_START", progress: String = "0%",
        failReason: String = "", submitTime: Int64 = 0, startTime: Int64 = 0, finishTime: Int64 = 0,
        modelName: String? = nil, hasStreamableClip: Bool = false
    ) {
        self.taskID = taskID
        self.action = action
        self.status = status
        self.progress = progress
        self.failReason = failReason
        self.submitTime = submitTime
        self.startTime = startTime
        self.finishTime = finishTime
        self.modelName = modelName
        self.hasStreamableClip = hasStreamableClip
    }

    /// Progress "100%" with a fail reason: the gateway froze the task as failed (COMETAPI.md §10.7).
    public var isFrozenFailure: Bool {
        !failReason.isEmpty && progress.trimmingWhitespace() == "100%"
    }
}

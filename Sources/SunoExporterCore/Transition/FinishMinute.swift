/// One row of the failure-ratio rollup: finishes of one minute for one action and model label.
public struct FinishMinute: Sendable, Hashable {
    /// Unix seconds / 60, rounded down.
    public var minute: Int64
    public var action: TaskAction
    /// The bounded model label.
    public var model: String

    public init(minute: Int64, action: TaskAction, model: String) {
        self.minute = minute
        self.action = action
        self.model = model
    }

    /// The minute `instant` (Unix seconds) falls in.
    public static func minute(of instant: Double) -> Int64 {
        Int64((instant / 60).rounded(.down))
    }
}

/// Finishes counted in one rollup row.
public struct FinishCounts: Sendable, Equatable {
    public var finished: Int
    public var failures: Int

    public init(finished: Int = 0, failures: Int = 0) {
        self.finished = finished
        self.failures = failures
    }
}

/// Non-finished tasks grouped for the `suno_tasks*` gauges (raw, normalised model names).
public struct ActiveGroup: Sendable, Equatable {
    public init(action: TaskAction, model: String, status: TaskStatus, count: Int, stuck: Int, oldestSubmit: Double) {
        self.action = action
        self.model = model
        self.status = status
        self.count = count
        self.stuck = stuck
        self.oldestSubmit = oldestSubmit
    }

    public var action: TaskAction
    public var model: String
    public var status: TaskStatus
    public var count: Int
    public var stuck: Int
    /// Oldest submit reference (gateway submit time, or registration time) in the group.
    public var oldestSubmit: Double
}

import SunoExporterCore

/// Filters of `GET /api/v1/tasks` and `tasks list`.
public struct TaskFilter: Sendable, Equatable {
    public var status: Status?
    public var action: TaskAction?
    public var model: String?
    public var limit: Int
    public var offset: Int

    public init(
        status: Status? = nil, action: TaskAction? = nil, model: String? = nil, limit: Int = 100, offset: Int = 0
    ) {
        self.status = status
        self.action = action
        self.model = model
        self.limit = limit
        self.offset = offset
    }

    /// Which tasks by state: unfinished, finished, one outcome, or one gateway status.
    public enum Status: Sendable, Equatable {
        case active
        case finished
        case outcome(TaskOutcome)
        /// The gateway's status text equals this status's raw value.
        case status(TaskStatus)

        /// A gateway status (`IN_PROGRESS`), an outcome (`success`, `failure`, `expired`), `active`
        /// or `finished`, in any case; nil for anything else.
        public init?(parsing text: String) {
            let lowered = text.lowercased()
            if lowered == "active" {
                self = .active
            } else if lowered == "finished" {
                self = .finished
            } else if let outcome = TaskOutcome(rawValue: lowered) {
                self = .outcome(outcome)
            } else if let status = TaskStatus(rawValue: text.uppercased()) {
                self = .status(status)
            } else {
                return nil
            }
        }

        /// What `init(parsing:)` accepts, for error messages.
        public static let accepted =
            TaskStatus.allCases.map(\.rawValue).joined(separator: ", ") + ", "
            + TaskOutcome.allCases.map(\.rawValue).joined(separator: ", ") + ", active, finished"
    }
}

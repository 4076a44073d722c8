import SunoExporterCore

/// An id to add to the watch list.
public struct Registration: Sendable, Equatable {
    public var id: String
    public var action: TaskAction
    public var model: String?
    public var labels: [String: String]

    public init(id: String, action: TaskAction, model: String? = nil, labels: [String: String] = [:]) {
        self.id = id
        self.action = action
        self.model = model
        self.labels = labels
    }
}

/// What a registration did: new ids, ids that were already watched (or already finished), and ids
/// left to another replica (`--shard`).
public struct RegistrationResult: Sendable, Equatable {
    public var accepted: Int
    public var duplicates: Int
    public var otherShard: Int
    public init(accepted: Int, duplicates: Int, otherShard: Int = 0) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.otherShard = otherShard
    }
}

/// Everything one polled batch changes, committed in one transaction.
public struct BatchCommit: Sendable {
    /// Task rows that changed beyond poll bookkeeping (full rewrite).
    public var changed: [TrackedTask] = []
    /// Ids polled without any other change: only last_polled and poll_count move.
    public var polledUnchanged: [String] = []
    public var polledAt: Double = 0
    public var history: [(taskID: String, entry: HistoryEntry)] = []
    public var deltas = AggregateDeltas()
    /// Finishes to add to the failure-ratio rollup, by minute (Unix seconds / 60), action and model label.
    public var finishMinutes: [FinishMinute: (finished: Int, failures: Int)] = [:]
    /// Models admitted to the label set while processing this batch.
    public var newModels: [String] = []

    public init() {}

    public var isEmpty: Bool {
        changed.isEmpty && polledUnchanged.isEmpty && history.isEmpty && deltas.isEmpty && newModels.isEmpty
    }
}

/// Filters of `GET /api/v1/tasks` and `tasks list`.
public struct TaskFilter: Sendable, Equatable {
    /// A TaskStatus raw value, or an outcome (`success`, `failure`, `expired`), or `active` / `finished`.
    public var status: String?
    public var action: TaskAction?
    public var model: String?
    public var limit: Int
    public var offset: Int

    public init(
        status: String? = nil, action: TaskAction? = nil, model: String? = nil, limit: Int = 100, offset: Int = 0
    ) {
        self.status = status
        self.action = action
        self.model = model
        self.limit = limit
        self.offset = offset
    }
}

/// One row of the failure-ratio rollup: finishes of one minute for one action and model label.
public struct FinishMinute: Sendable, Hashable {
    public var minute: Int64
    public var action: String
    public var model: String

    public init(minute: Int64, action: String, model: String) {
        self.minute = minute
        self.action = action
        self.model = model
    }
}

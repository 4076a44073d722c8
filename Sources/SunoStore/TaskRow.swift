import SunoExporterCore

/// Mapping between `TrackedTask` and the `tasks` table.
enum TaskRow {
    /// The columns every task read selects, in this order: `Column`'s cases are their positions.
    enum Column: Int32, CaseIterable {
        case id, action, registeredModel, clipModel, labels, status, progress, failReason, submitTime, startTime
        case finishTime, firstSeen, lastPolled, firstReturned, pollCount, outcome, finishedAt, queueWaitObserved
        case firstAudioObserved, source
        /// The rowid (never reused): the key of the in-memory poll bookkeeping and of history rows.
        case seq

        /// The SQL name.
        var name: String {
            switch self {
            case .id: "id"
            case .action: "action"
            case .registeredModel: "registered_model"
            case .clipModel: "clip_model"
            case .labels: "labels"
            case .status: "status"
            case .progress: "progress"
            case .failReason: "fail_reason"
            case .submitTime: "submit_time"
            case .startTime: "start_time"
            case .finishTime: "finish_time"
            case .firstSeen: "first_seen"
            case .lastPolled: "last_polled"
            case .firstReturned: "first_returned"
            case .pollCount: "poll_count"
            case .outcome: "outcome"
            case .finishedAt: "finished_at"
            case .queueWaitObserved: "queue_wait_observed"
            case .firstAudioObserved: "first_audio_observed"
            case .source: "source"
            case .seq: "seq"
            }
        }
    }

    /// `Column`'s names, for `SELECT \(TaskRow.columns) FROM tasks …`.
    static let columns = Column.allCases.map(\.name).joined(separator: ", ")

    static func rowid(_ row: Statement) -> Int64 { row.int(.seq) }

    static func decode(_ row: Statement) -> TrackedTask {
        TrackedTask(
            id: row.string(.id) ?? "",
            action: TaskAction(rawValue: row.string(.action) ?? "") ?? .music,
            registeredModel: row.string(.registeredModel),
            clipModel: row.string(.clipModel),
            labels: LabelsCodec.decode(row.string(.labels)),
            status: row.string(.status) ?? TaskStatus.notStart.rawValue,
            progress: row.string(.progress) ?? "",
            failReason: row.string(.failReason) ?? "",
            submitTime: row.int(.submitTime),
            startTime: row.int(.startTime),
            finishTime: row.int(.finishTime),
            firstSeen: row.double(.firstSeen),
            lastPolled: row.optionalDouble(.lastPolled),
            firstReturned: row.optionalDouble(.firstReturned),
            pollCount: Int(row.int(.pollCount)),
            outcome: row.string(.outcome).flatMap(TaskOutcome.init(rawValue:)),
            finishedAt: row.optionalDouble(.finishedAt),
            queueWaitObserved: row.int(.queueWaitObserved) != 0,
            firstAudioObserved: row.int(.firstAudioObserved) != 0,
            source: row.string(.source) ?? RegistrationSource.other.rawValue)
    }

    /// The row rewrite of a task that finishes (or was finished): every column the store owns.
    static let updateSQL = """
        UPDATE tasks SET clip_model = ?2, model = ?3, status = ?4, progress = ?5, fail_reason = ?6,
            submit_time = ?7, start_time = ?8, finish_time = ?9, last_polled = ?10, first_returned = ?11,
            poll_count = ?12, outcome = ?13, finished_at = ?14, queue_wait_observed = ?15, first_audio_observed = ?16
        WHERE seq = ?1
        """

    /// The row rewrite of a task that stays unfinished: `outcome` and `finished_at` are left out
    /// (they stay NULL, as a finished task never becomes unfinished). Naming them, even to write
    /// NULL again, makes SQLite re-evaluate the partial indexes that depend on them and rewrite the
    /// `tasks_active` entry of every row: about a third of the cost of the statement.
    static let updateUnfinishedSQL = """
        UPDATE tasks SET clip_model = ?2, model = ?3, status = ?4, progress = ?5, fail_reason = ?6,
            submit_time = ?7, start_time = ?8, finish_time = ?9, last_polled = ?10, first_returned = ?11,
            poll_count = ?12, queue_wait_observed = ?15, first_audio_observed = ?16
        WHERE seq = ?1
        """

    /// Whether `updateUnfinishedSQL` writes all there is to write for `task`.
    static func staysUnfinished(_ task: TrackedTask) -> Bool {
        task.outcome == nil && task.finishedAt == nil
    }

    /// `model` is `task.model` (callers normalise it through a `ModelNameCache`). Parameters 13 and
    /// 14 are bound only when the statement has them.
    static func bindUpdate(_ statement: Statement, _ task: TrackedTask, rowid: Int64, model: String) {
        statement.bind(1, rowid).bind(2, task.clipModel).bind(3, model).bind(4, task.status)
            .bind(5, task.progress).bind(6, task.failReason).bind(7, task.submitTime).bind(8, task.startTime)
            .bind(9, task.finishTime).bind(10, task.lastPolled).bind(11, task.firstReturned).bind(12, task.pollCount)
            .bind(15, task.queueWaitObserved ? 1 : 0).bind(16, task.firstAudioObserved ? 1 : 0)
        if !staysUnfinished(task) {
            statement.bind(13, task.outcome?.rawValue).bind(14, task.finishedAt)
        }
    }
}

extension Statement {
    func string(_ column: TaskRow.Column) -> String? { string(column.rawValue) }
    func int(_ column: TaskRow.Column) -> Int64 { int(column.rawValue) }
    func double(_ column: TaskRow.Column) -> Double { double(column.rawValue) }
    func optionalDouble(_ column: TaskRow.Column) -> Double? { optionalDouble(column.rawValue) }
}

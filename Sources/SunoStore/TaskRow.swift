import SunoExporterCore

/// Mapping between `TrackedTask` and the `tasks` table.
enum TaskRow {
    static let columns = """
        id, action, registered_model, clip_model, labels, status, progress, fail_reason, submit_time, start_time, \
        finish_time, first_seen, last_polled, first_returned, poll_count, outcome, finished_at, queue_wait_observed, \
        first_audio_observed, seq
        """

    /// The row's `seq` (the last of `columns`; the rowid, never reused), for the store's in-memory
    /// poll bookkeeping and for history rows.
    static func rowid(_ row: Statement) -> Int64 { row.int(19) }

    static func decode(_ row: Statement) -> TrackedTask {
        TrackedTask(
            id: row.string(0) ?? "",
            action: TaskAction(rawValue: row.string(1) ?? "") ?? .music,
            registeredModel: row.string(2),
            clipModel: row.string(3),
            labels: LabelsCodec.decode(row.string(4)),
            status: row.string(5) ?? TaskStatus.notStart.rawValue,
            progress: row.string(6) ?? "",
            failReason: row.string(7) ?? "",
            submitTime: row.int(8),
            startTime: row.int(9),
            finishTime: row.int(10),
            firstSeen: row.double(11),
            lastPolled: row.optionalDouble(12),
            firstReturned: row.optionalDouble(13),
            pollCount: Int(row.int(14)),
            outcome: row.string(15).flatMap(TaskOutcome.init(rawValue:)),
            finishedAt: row.optionalDouble(16),
            queueWaitObserved: row.int(17) != 0,
            firstAudioObserved: row.int(18) != 0)
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

/// User labels are stored as a JSON object with sorted keys.
enum LabelsCodec {
    static func encode(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "{}" }
        return JSONValue.object(
            labels.keys.sorted().map { JSONValue.Member(name: $0, value: .string(labels[$0] ?? "")) }
        )
        .text
    }

    static func decode(_ text: String?) -> [String: String] {
        guard let text, text != "{}", case .object(let members)? = try? JSONValue.parse(text) else { return [:] }
        var labels: [String: String] = [:]
        for member in members {
            guard let value = member.value.stringValue else { return [:] }
            labels[member.name] = value
        }
        return labels
    }
}

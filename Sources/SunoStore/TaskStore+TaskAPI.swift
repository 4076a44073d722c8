import SunoExporterCore

// The watch list as the API, the `tasks` CLI and tests see it.
extension TaskStore {
    public func task(id: String) throws -> TrackedTask? {
        try tasks(ids: [id]).first
    }

    /// Tasks by id (any state); unknown ids are skipped.
    public func tasks(ids: [String]) throws -> [TrackedTask] {
        try withState { state in
            let select = try state.db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE id = ?1")
            var found: [TrackedTask] = []
            for id in ids {
                select.bind(1, id)
                try select.forEachRow { found.append(Self.decode($0, state.polls)) }
            }
            return found
        }
    }

    /// Every task not yet finished, in polling order (action, then registration).
    public func activeTasks() throws -> [TrackedTask] {
        try withState { state in
            var tasks: [TrackedTask] = []
            try state.db.statement(
                "SELECT \(TaskRow.columns) FROM tasks WHERE outcome IS NULL ORDER BY action, seq"
            ).forEachRow { tasks.append(Self.decode($0, state.polls)) }
            return tasks
        }
    }

    public func history(id: String) throws -> [HistoryEntry] {
        try withConnection { db in
            let select = try db.statement(
                """
                SELECT status, progress, fail_reason, observed_at FROM task_history
                WHERE task = (SELECT seq FROM tasks WHERE id = ?1) ORDER BY observed_at, rowid
                """)
            select.bind(1, id)
            var entries: [HistoryEntry] = []
            try select.forEachRow { row in
                entries.append(
                    HistoryEntry(
                        status: row.string(0) ?? "", progress: row.string(1) ?? "", failReason: row.string(2) ?? "",
                        observedAt: row.double(3)))
            }
            return entries
        }
    }

    /// Tasks matching a filter, newest registration first.
    public func list(_ filter: TaskFilter) throws -> [TrackedTask] {
        var conditions: [String] = []
        var binds: [String] = []
        func equals(_ column: String, _ value: String) {
            binds.append(value)
            conditions.append("\(column) = ?\(binds.count)")
        }
        switch filter.status {
        case nil: break
        case .active: conditions.append("outcome IS NULL")
        case .finished: conditions.append("outcome IS NOT NULL")
        case .outcome(let outcome): equals("outcome", outcome.rawValue)
        case .status(let status): equals("status", status.rawValue)
        }
        if let action = filter.action { equals("action", action.rawValue) }
        if let model = filter.model { equals("model", model) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(TaskRow.columns) FROM tasks \(whereClause) ORDER BY first_seen DESC, id \
            LIMIT ?\(binds.count + 1) OFFSET ?\(binds.count + 2)
            """
        return try withState { state in
            let select = try state.db.statement(sql)
            for (index, value) in binds.enumerated() { select.bind(Int32(index + 1), value) }
            select.bind(Int32(binds.count + 1), filter.limit).bind(Int32(binds.count + 2), filter.offset)
            var tasks: [TrackedTask] = []
            try select.forEachRow { tasks.append(Self.decode($0, state.polls)) }
            return tasks
        }
    }

    /// Forgets a task and its history; counters it already fed stay. Returns false when unknown.
    public func forget(id: String) throws -> Bool {
        try withState { state in
            let db = state.db
            let rowid = try db.transaction { () throws -> Int64? in
                guard let rowid = try Self.rowids(ids: [id], db)[id] else { return nil }
                try db.statement("DELETE FROM task_history WHERE task = ?1").bind(1, rowid).run()
                try db.statement("DELETE FROM tasks WHERE seq = ?1").bind(1, rowid).run()
                return rowid
            }
            guard let rowid else { return false }
            state.polls[rowid] = nil
            return true
        }
    }

    /// Deletes finished tasks (and their history) that ended before `cutoff`, and old rollup minutes.
    /// Aggregates are never touched, so counters never go down. Returns the number of tasks pruned.
    @discardableResult
    public func prune(finishedBefore cutoff: Double, rollupBefore rollupCutoff: Double) throws -> Int {
        try withConnection { db in
            try db.transaction {
                try db.statement(
                    """
                    DELETE FROM task_history WHERE task IN
                        (SELECT seq FROM tasks WHERE outcome IS NOT NULL AND finished_at < ?1)
                    """
                ).bind(1, cutoff).run()
                try db.statement("DELETE FROM tasks WHERE outcome IS NOT NULL AND finished_at < ?1").bind(1, cutoff)
                    .run()
                let pruned = db.changes
                try db.statement("DELETE FROM finish_minutes WHERE minute < ?1")
                    .bind(1, FinishMinute.minute(of: rollupCutoff)).run()
                return pruned
            }
        }
    }

    /// Row counts, for tests and the landing page.
    public func counts() throws -> (tasks: Int, active: Int, history: Int) {
        try withConnection { db in
            var result = (tasks: 0, active: 0, history: 0)
            try db.statement(
                """
                SELECT (SELECT COUNT(*) FROM tasks), (SELECT COUNT(*) FROM tasks WHERE outcome IS NULL),
                    (SELECT COUNT(*) FROM task_history)
                """
            ).forEachRow { result = (Int($0.int(0)), Int($0.int(1)), Int($0.int(2))) }
            return result
        }
    }
}

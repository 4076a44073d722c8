import SunoExporterCore

// The watch list as the API, the `tasks` CLI and tests see it.
extension TaskStore {
    public func task(id: String) throws -> TrackedTask? {
        try tasks(ids: [id]).first
    }

    /// Tasks by id (any state); unknown ids are skipped.
    public func tasks(ids: [String]) throws -> [TrackedTask] {
        try read { db in try loadRows(ids: ids, db).tasks }
    }

    /// Every task not yet finished, in polling order (action, then registration).
    public func activeTasks() throws -> [TrackedTask] {
        try read { db in
            try loadRows(
                db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE outcome IS NULL ORDER BY action, seq")
            )
            .tasks
        }
    }

    public func history(id: String) throws -> [HistoryEntry] {
        try read { db in
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
        return try read { db in
            let select = try db.statement(sql)
            for (index, value) in binds.enumerated() { select.bind(Int32(index + 1), value) }
            select.bind(Int32(binds.count + 1), filter.limit).bind(Int32(binds.count + 2), filter.offset)
            return try loadRows(select, capacity: filter.limit).tasks
        }
    }

    /// Forgets a task and its history; counters it already fed stay. Returns false when unknown.
    public func forget(id: String) throws -> Bool {
        let rowid = try write(.forget) { db in
            try db.transaction { () throws -> Int64? in
                guard let rowid = try Self.rowids(ids: [id], db)[id] else { return nil }
                try db.statement("DELETE FROM task_history WHERE task = ?1").bind(1, rowid).run()
                try db.statement("DELETE FROM tasks WHERE seq = ?1").bind(1, rowid).run()
                return rowid
            }
        }
        guard let rowid else { return false }
        polls.withLock { $0[rowid] = nil }
        return true
    }

    /// Row counts, for tests and the landing page.
    public func counts() throws -> (tasks: Int, active: Int, history: Int) {
        try read { db in
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

import Foundation
import Logging
import SunoExporterCore
import Synchronization

/// The SQLite store: the watch list, status history and the persisted aggregates.
///
/// One connection behind a Mutex: writes are short transactions (one per batch), and both the
/// collector and libmicrohttpd's threads can call in synchronously. Other processes (the `tasks`
/// CLI) share the file through WAL and the busy timeout.
public final class TaskStore: Sendable {
    public let path: String
    private let connection: Mutex<SQLiteConnection>
    /// Which ids this replica stores (`--shard`); every id without sharding.
    private let owns: @Sendable (String) -> Bool

    /// Opens (creating if needed) and migrates the database.
    public init(path: String, owns: @escaping @Sendable (String) -> Bool = { _ in true }) throws {
        self.path = path
        self.owns = owns
        let db = try SQLiteConnection(path: path)
        // WAL: readers never block the writer; NORMAL is durable across process crashes in WAL mode.
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try db.execute("PRAGMA foreign_keys = ON")
        try Migrations.migrate(db)
        connection = Mutex(db)
    }

    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try connection.withLock { db in try body(db) }
    }

    // MARK: - Registration

    /// Adds ids in one transaction; ids already known count as duplicates. Returns only after the commit.
    @discardableResult
    public func register(_ registrations: [Registration], source: String, now: Double) throws -> RegistrationResult {
        try withConnection { db in
            try db.transaction {
                let insert = try db.statement(
                    """
                    INSERT INTO tasks (id, action, registered_model, model, labels, status, first_seen, source)
                    VALUES (?1, ?2, ?3, ?4, ?5, 'NOT_START', ?6, ?7) ON CONFLICT(id) DO NOTHING
                    """)
                var accepted = 0
                let owned = registrations.filter { owns($0.id) }
                for registration in owned {
                    insert.bind(1, registration.id).bind(2, registration.action.rawValue)
                        .bind(3, registration.model).bind(4, ModelName.normalise(registration.model))
                        .bind(5, LabelsCodec.encode(registration.labels)).bind(6, now).bind(7, source)
                    try insert.run()
                    accepted += db.changes
                }
                var deltas = AggregateDeltas()
                deltas.recordRegistration(source: source, count: accepted)
                try Self.addDeltas(deltas, db)
                return RegistrationResult(
                    accepted: accepted, duplicates: owned.count - accepted, otherShard: registrations.count - owned.count)
            }
        }
    }

    // MARK: - Collector

    /// Every task not yet finished, ordered by action then id (stable batches).
    public func activeTasks() throws -> [TrackedTask] {
        try withConnection { db in
            var tasks: [TrackedTask] = []
            try db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE outcome IS NULL ORDER BY action, id")
                .forEachRow { tasks.append(TaskRow.decode($0)) }
            return tasks
        }
    }

    /// Tasks by id (any state), for applying hook callbacks.
    public func tasks(ids: [String]) throws -> [TrackedTask] {
        try withConnection { db in
            let select = try db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE id = ?1")
            var found: [TrackedTask] = []
            for id in ids {
                select.bind(1, id)
                try select.forEachRow { found.append(TaskRow.decode($0)) }
            }
            return found
        }
    }

    /// Applies a poll (or hook) to the current rows of `ids` atomically: the rows are read inside
    /// the write transaction, `transform` (pure lifecycle) turns them into a commit, and the commit
    /// is written before the lock is released. A task forgotten or finished meanwhile is seen as it
    /// is now, so no finish is ever counted twice.
    @discardableResult
    public func update(ids: [String], _ transform: ([TrackedTask]) -> BatchCommit) throws -> BatchCommit {
        try withConnection { db in
            try db.transaction {
                let select = try db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE id = ?1")
                var current: [TrackedTask] = []
                current.reserveCapacity(ids.count)
                for id in ids {
                    select.bind(1, id)
                    try select.forEachRow { current.append(TaskRow.decode($0)) }
                }
                let batch = transform(current)
                try Self.write(batch, db)
                return batch
            }
        }
    }

    /// Writes one batch as is (tests and imports; the collector uses `update`).
    public func commit(_ batch: BatchCommit) throws {
        guard !batch.isEmpty else { return }
        try withConnection { db in try db.transaction { try Self.write(batch, db) } }
    }

    private static func write(_ batch: BatchCommit, _ db: SQLiteConnection) throws {
        guard !batch.isEmpty else { return }
        if !batch.changed.isEmpty {
            let update = try db.statement(TaskRow.updateSQL)
            for task in batch.changed {
                TaskRow.bindUpdate(update, task)
                try update.run()
            }
        }
        if !batch.polledUnchanged.isEmpty {
            let touch = try db.statement("UPDATE tasks SET last_polled = ?1, poll_count = poll_count + 1 WHERE id = ?2")
            for id in batch.polledUnchanged {
                touch.bind(1, batch.polledAt).bind(2, id)
                try touch.run()
            }
        }
        if !batch.history.isEmpty {
            let insert = try db.statement(
                """
                INSERT INTO task_history (task_id, observed_at, status, progress, fail_reason)
                VALUES (?1, ?2, ?3, ?4, ?5)
                """)
            for (taskID, entry) in batch.history {
                insert.bind(1, taskID).bind(2, entry.observedAt).bind(3, entry.status)
                    .bind(4, entry.progress).bind(5, entry.failReason)
                try insert.run()
            }
        }
        try addDeltas(batch.deltas, db)
        if !batch.finishMinutes.isEmpty {
            let rollup = try db.statement(
                """
                INSERT INTO finish_minutes (minute, action, model, finished, failures) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT(minute, action, model) DO UPDATE SET finished = finished + excluded.finished,
                    failures = failures + excluded.failures
                """)
            for (key, counts) in batch.finishMinutes {
                rollup.bind(1, key.minute).bind(2, key.action).bind(3, key.model).bind(4, counts.finished)
                    .bind(5, counts.failures)
                try rollup.run()
            }
        }
        if !batch.newModels.isEmpty {
            let insert = try db.statement("INSERT INTO models (name) VALUES (?1) ON CONFLICT(name) DO NOTHING")
            for model in batch.newModels {
                insert.bind(1, model)
                try insert.run()
            }
        }
    }

    private static func addDeltas(_ deltas: AggregateDeltas, _ db: SQLiteConnection) throws {
        guard !deltas.isEmpty else { return }
        let upsert = try db.statement(
            """
            INSERT INTO aggregates (kind, action, model, label, slot, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT(kind, action, model, label, slot) DO UPDATE SET value = value + excluded.value
            """)
        for (cell, value) in deltas.values {
            upsert.bind(1, cell.kind.rawValue).bind(2, cell.action).bind(3, cell.model).bind(4, cell.label)
                .bind(5, cell.slot).bind(6, value)
            try upsert.run()
        }
    }

    // MARK: - Snapshot inputs (cheap: O(series), never O(history))

    /// Every persisted aggregate cell.
    public func aggregates() throws -> [AggregateCell: Double] {
        try withConnection { db in
            var cells: [AggregateCell: Double] = [:]
            try db.statement("SELECT kind, action, model, label, slot, value FROM aggregates").forEachRow { row in
                guard let kind = AggregateCell.Kind(rawValue: row.string(0) ?? "") else { return }
                let cell = AggregateCell(
                    kind: kind, action: row.string(1) ?? "", model: row.string(2) ?? "", label: row.string(3) ?? "",
                    slot: Int(row.int(4)))
                cells[cell] = row.double(5)
            }
            return cells
        }
    }

    /// Models admitted to the label set, in admission order.
    public func admittedModels() throws -> [String] {
        try withConnection { db in
            var names: [String] = []
            try db.statement("SELECT name FROM models ORDER BY position").forEachRow { names.append($0.string(0) ?? "") }
            return names
        }
    }

    /// Non-finished tasks grouped by action, model and status class, with stuck counts.
    public func activeGroups(now: Double, policy: LifecyclePolicy) throws -> [ActiveGroup] {
        try withConnection { db in
            let select = try db.statement(
                """
                SELECT action, model, status, COUNT(*),
                    SUM(CASE WHEN ?1 - (CASE WHEN submit_time > 0 THEN submit_time ELSE first_seen END)
                        > (CASE action WHEN 'LYRICS' THEN ?3 ELSE ?2 END) THEN 1 ELSE 0 END),
                    MIN(CASE WHEN submit_time > 0 THEN submit_time ELSE first_seen END)
                FROM tasks WHERE outcome IS NULL GROUP BY action, model, status
                """)
            select.bind(1, now).bind(2, policy.stuckThreshold(for: .music)).bind(3, policy.stuckThreshold(for: .lyrics))
            var merged: [String: ActiveGroup] = [:]
            try select.forEachRow { row in
                guard let action = TaskAction(rawValue: row.string(0) ?? "") else { return }
                let model = row.string(1) ?? ModelName.unknown
                let status = TaskStatus(upstream: row.string(2) ?? "")
                let key = "\(action.rawValue)\u{0}\(model)\u{0}\(status.rawValue)"
                var group = merged[key] ?? ActiveGroup(
                    action: action, model: model, status: status, count: 0, stuck: 0, oldestSubmit: .infinity)
                group.count += Int(row.int(3))
                group.stuck += Int(row.int(4))
                group.oldestSubmit = min(group.oldestSubmit, row.double(5))
                merged[key] = group
            }
            return Array(merged.values)
        }
    }

    /// Failures and finishes since `since` per action and model label, from the per-minute rollup
    /// (at most 1440 minutes × labels rows, whatever the history holds).
    public func finishCounts(since: Double, window: String) throws -> [FailureWindow] {
        try withConnection { db in
            let select = try db.statement(
                """
                SELECT action, model, SUM(failures), SUM(finished) FROM finish_minutes
                WHERE minute >= ?1 GROUP BY action, model
                """)
            select.bind(1, Int64((since / 60).rounded(.down)))
            var windows: [FailureWindow] = []
            try select.forEachRow { row in
                windows.append(
                    FailureWindow(
                        name: window, action: row.string(0) ?? "", model: row.string(1) ?? "", failures: Int(row.int(2)),
                        finished: Int(row.int(3))))
            }
            return windows
        }
    }

    /// Bytes on disk: the database file plus its WAL.
    public func sizeBytes() -> Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)??.int64Value ?? 0
            return total + size
        }
    }

    // MARK: - Task API

    public func task(id: String) throws -> TrackedTask? {
        try tasks(ids: [id]).first
    }

    public func history(id: String) throws -> [HistoryEntry] {
        try withConnection { db in
            let select = try db.statement(
                """
                SELECT status, progress, fail_reason, observed_at FROM task_history
                WHERE task_id = ?1 ORDER BY observed_at, rowid
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
        try withConnection { db in
            var conditions: [String] = []
            var binds: [String] = []
            if let status = filter.status {
                switch status.lowercased() {
                case "active": conditions.append("outcome IS NULL")
                case "finished": conditions.append("outcome IS NOT NULL")
                case let outcome where TaskOutcome(rawValue: outcome) != nil:
                    binds.append(outcome)
                    conditions.append("outcome = ?\(binds.count)")
                default:
                    binds.append(status.uppercased())
                    conditions.append("status = ?\(binds.count)")
                }
            }
            if let action = filter.action {
                binds.append(action.rawValue)
                conditions.append("action = ?\(binds.count)")
            }
            if let model = filter.model {
                binds.append(model)
                conditions.append("model = ?\(binds.count)")
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let select = try db.statement(
                "SELECT \(TaskRow.columns) FROM tasks \(whereClause) ORDER BY first_seen DESC, id LIMIT ?\(binds.count + 1) OFFSET ?\(binds.count + 2)"
            )
            for (index, value) in binds.enumerated() { select.bind(Int32(index + 1), value) }
            select.bind(Int32(binds.count + 1), filter.limit).bind(Int32(binds.count + 2), filter.offset)
            var tasks: [TrackedTask] = []
            try select.forEachRow { tasks.append(TaskRow.decode($0)) }
            return tasks
        }
    }

    /// Forgets a task and its history; counters it already fed stay. Returns false when unknown.
    public func forget(id: String) throws -> Bool {
        try withConnection { db in
            try db.transaction {
                try db.statement("DELETE FROM task_history WHERE task_id = ?1").bind(1, id).run()
                try db.statement("DELETE FROM tasks WHERE id = ?1").bind(1, id).run()
                return db.changes > 0
            }
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
                    DELETE FROM task_history WHERE task_id IN
                        (SELECT id FROM tasks WHERE outcome IS NOT NULL AND finished_at < ?1)
                    """
                ).bind(1, cutoff).run()
                try db.statement("DELETE FROM tasks WHERE outcome IS NOT NULL AND finished_at < ?1").bind(1, cutoff).run()
                let pruned = db.changes
                try db.statement("DELETE FROM finish_minutes WHERE minute < ?1")
                    .bind(1, Int64((rollupCutoff / 60).rounded(.down))).run()
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

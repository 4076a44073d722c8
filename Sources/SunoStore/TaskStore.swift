import Foundation
import Logging
import SunoExporterCore
import Synchronization

/// The SQLite store: the watch list, status history and the persisted aggregates.
///
/// One connection behind a Mutex: writes are short transactions (one per batch), and both the
/// collector and libmicrohttpd's threads can call in synchronously. Other processes (the `tasks`
/// CLI) share the file through WAL and the busy timeout.
///
/// Poll bookkeeping (`last_polled`, `poll_count`) of polls that changed nothing is kept in memory
/// and written in bulk (`flushPollBookkeeping()`), or with the row's next change: rewriting a row
/// per task and poll would be most of an unchanged cycle's cost. Every read of this store includes
/// it; another process reading the file sees it once flushed.
public final class TaskStore: Sendable {
    public let path: String
    private let state: Mutex<StoreState>
    /// Which ids this replica stores (`--shard`); every id without sharding.
    private let owns: @Sendable (String) -> Bool

    /// Opens (creating if needed) and migrates the database. `upgrading` false (the `tasks` CLI)
    /// sets up a fresh file but refuses to upgrade an older schema: that is the server's job.
    public init(path: String, upgrading: Bool = true, owns: @escaping @Sendable (String) -> Bool = { _ in true })
        throws
    {
        self.path = path
        self.owns = owns
        let db = try SQLiteConnection(path: path)
        // WAL: readers never block the writer; NORMAL is durable across process crashes in WAL mode.
        try db.executeRetryingBusy("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try db.execute("PRAGMA foreign_keys = ON")
        // A WAL file left larger than this (after a migration or a burst) is cut back at checkpoints.
        try db.execute("PRAGMA journal_size_limit = \(Self.walSizeLimit)")
        if try Migrations.migrate(db, upgrading: upgrading) {
            // An upgrade may rewrite whole tables: hand their copy in the WAL back to the disk now.
            try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        state = Mutex(StoreState(db: db))
    }

    /// Bytes of WAL kept after a checkpoint (`journal_size_limit`).
    static let walSizeLimit = 64 << 20

    deinit {
        // Polls counted in memory reach the file before the connection closes.
        _ = try? flushPollBookkeeping()
    }

    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try state.withLock { state in try body(state.db) }
    }

    private func withState<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        try state.withLock { state in try body(&state) }
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
                    accepted: accepted, duplicates: owned.count - accepted,
                    otherShard: registrations.count - owned.count)
            }
        }
    }

    // MARK: - Collector

    /// Every task not yet finished, in polling order (action, then registration).
    public func activeTasks() throws -> [TrackedTask] {
        try withState { state in
            var tasks: [TrackedTask] = []
            try state.db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE outcome IS NULL ORDER BY action, seq")
                .forEachRow { tasks.append(Self.decode($0, state.polls)) }
            return tasks
        }
    }

    /// Up to `limit` unfinished tasks in polling order (action, then `seq`: registration order) after
    /// `cursor` (nil: from the start), read through the partial index `tasks_active`. The collector
    /// pages through the watch list with it, so a cycle holds one page of ids, not the whole list;
    /// and since neighbours in `seq` share pages, a batch's writes touch few pages.
    public func activeTaskPage(after cursor: ActiveTaskKey?, limit: Int) throws -> [ActiveTaskKey] {
        try withState { state in
            let db = state.db
            if cursor == nil, state.polls.isEmpty {
                // The first cycle will remember every watched task: size the table once, rather than
                // growing it (and holding the old and new storage at once) while the cycle runs.
                var active = 0
                try db.statement("SELECT COUNT(*) FROM tasks WHERE outcome IS NULL").forEachRow {
                    active = Int($0.int(0))
                }
                state.polls.reserveCapacity(active)
            }
            var keys: [ActiveTaskKey] = []
            keys.reserveCapacity(max(0, limit))
            func read(_ select: Statement) throws {
                try select.forEachRow { row in
                    keys.append(
                        ActiveTaskKey(
                            rowid: row.int(0), id: row.string(1) ?? "",
                            action: TaskAction(rawValue: row.string(2) ?? "") ?? .music))
                }
            }
            // Two range scans of the index rather than one `(action, seq) > (?, ?)` condition, which
            // SQLite would answer by scanning the cursor's action from its start on every page.
            if let cursor {
                let sameAction = try db.statement(
                    """
                    SELECT seq, id, action FROM tasks WHERE outcome IS NULL AND action = ?1 AND seq > ?2
                    ORDER BY seq LIMIT ?3
                    """)
                try read(sameAction.bind(1, cursor.action.rawValue).bind(2, cursor.rowid).bind(3, limit))
            }
            if keys.count < limit {
                let laterActions = try db.statement(
                    """
                    SELECT seq, id, action FROM tasks WHERE outcome IS NULL AND action > ?1
                    ORDER BY action, seq LIMIT ?2
                    """)
                try read(laterActions.bind(1, cursor?.action.rawValue ?? "").bind(2, limit - keys.count))
            }
            return keys
        }
    }

    /// Tasks by id (any state), for applying hook callbacks.
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

    /// Applies a hook (or any change) to the current rows of `ids` atomically: the rows are read
    /// inside the write transaction, `transform` (pure lifecycle) turns them into a commit, and the
    /// commit is written before the lock is released. A task forgotten or finished meanwhile is seen
    /// as it is now, so no finish is ever counted twice. The collector uses `applyPoll`.
    @discardableResult
    public func update(ids: [String], _ transform: ([TrackedTask]) -> BatchCommit) throws -> BatchCommit {
        try withState { state in
            // (No copy of `state.polls` may be alive when it is mutated below: that would copy the whole table.)
            let (batch, rowids) = try state.db.transaction {
                let rows = try Self.rows(ids: ids, state.db, state.polls)
                let batch = transform(rows.tasks)
                let rowids = rows.rowidsByID()
                try Self.write(batch, rowids: rowids, state.db)
                return (batch, rowids)
            }
            // A rewritten row holds its pending polls now, and no poll applied what it holds.
            for task in batch.changed {
                if let rowid = rowids[task.id] { state.polls[rowid] = nil }
            }
            return batch
        }
    }

    /// Applies one polled batch of the collector.
    ///
    /// A task whose observation is exactly the one the previous poll applied to its row, and which
    /// no time rule can end yet (its give-up instant is still ahead), cannot change: the lifecycle
    /// rules give the same result for the same row and observation. It is counted as polled in
    /// memory, and its row is neither read nor written. The other tasks go through the same
    /// read–transform–write transaction as `update`, except that their polls without a change are
    /// also counted in memory. Returns the commit `transform` made (empty when every task was
    /// unchanged).
    @discardableResult
    public func applyPoll(
        _ tasks: [ActiveTaskKey], observations: [String: TaskObservation], now: Double, giveUpAfter: Double,
        _ transform: ([TrackedTask]) -> BatchCommit
    ) throws -> BatchCommit {
        try withState { state in
            var slow: [Int64] = []
            var fingerprints: [Int64: Int] = [:]
            for task in tasks {
                guard let observation = observations[task.id] else {
                    slow.append(task.rowid)
                    continue
                }
                let fingerprint = PollState.fingerprint(observation)
                if var poll = state.polls[task.rowid], poll.isUnchanged(fingerprint: fingerprint, now: now) {
                    poll.record(at: now)
                    state.polls[task.rowid] = poll
                } else {
                    slow.append(task.rowid)
                    fingerprints[task.rowid] = fingerprint
                }
            }
            guard !slow.isEmpty else { return BatchCommit() }

            // (No copy of `state.polls` may be alive when it is mutated below: that would copy the whole table.)
            let (batch, rows) = try state.db.transaction {
                let rows = try Self.rows(rowids: slow, state.db, state.polls)
                let batch = transform(rows.tasks)
                try Self.write(batch, rowids: rows.rowidsByID(), state.db, pollsInMemory: true)
                return (batch, rows)
            }
            // Committed: remember what this poll applied to each row it read.
            // (What was written, not the tasks themselves: copying them costs more than the lookups.)
            var changed: [String: (firstSeen: Double, isFinished: Bool, validUntil: Double)] = [:]
            changed.reserveCapacity(batch.changed.count)
            for task in batch.changed {
                changed[task.id] = (task.firstSeen, task.isFinished, task.submitReference + giveUpAfter)
            }
            let unchanged = Set(batch.polledUnchanged)
            for (rowid, task) in zip(rows.rowids, rows.tasks) {
                if let written = changed[task.id] {
                    // The row now holds its polls; a finished task is not polled again.
                    state.polls[rowid] =
                        written.isFinished
                        ? nil
                        : PollState(
                            firstSeen: written.firstSeen, fingerprint: fingerprints[rowid],
                            validUntil: written.validUntil)
                } else if unchanged.contains(task.id) {
                    var poll =
                        state.polls[rowid].flatMap { $0.firstSeen == task.firstSeen ? $0 : nil }
                        ?? PollState(firstSeen: task.firstSeen, fingerprint: nil, validUntil: 0)
                    poll.fingerprint = fingerprints[rowid] ?? PollState.none
                    poll.validUntil = task.submitReference + giveUpAfter
                    poll.record(at: batch.polledAt)
                    state.polls[rowid] = poll
                } else {
                    state.polls[rowid] = nil
                }
            }
            return batch
        }
    }

    /// Writes the polls counted in memory to their rows, in rowid order and in transactions of at
    /// most 1000 rows (the lock is released between them). Returns the number of rows written.
    @discardableResult
    public func flushPollBookkeeping() throws -> Int {
        let pending = try withState { state in
            state.polls.rowidsWithPendingPolls()
        }
        var written = 0
        var start = 0
        while start < pending.count {
            let chunk = pending[start..<min(start + 1_000, pending.count)]
            try withState { state in
                try state.db.transaction {
                    let touch = try state.db.statement(
                        """
                        UPDATE tasks SET last_polled = max(coalesce(last_polled, ?1), ?1), poll_count = poll_count + ?2
                        WHERE seq = ?3 AND first_seen = ?4
                        """)
                    for rowid in chunk {
                        guard let poll = state.polls[rowid], poll.pendingPolls > 0 else { continue }
                        touch.bind(1, poll.lastPolled).bind(2, Int(poll.pendingPolls)).bind(3, rowid).bind(
                            4, poll.firstSeen)
                        try touch.run()
                    }
                }
                for rowid in chunk {
                    guard state.polls[rowid] != nil else { continue }
                    written += 1
                    state.polls[rowid]?.pendingPolls = 0
                }
            }
            start += chunk.count
        }
        return written
    }

    /// A row as callers see it: the stored values plus the polls counted in memory.
    private static func decode(_ row: Statement, _ polls: PollTable) -> TrackedTask {
        var task = TaskRow.decode(row)
        polls[TaskRow.rowid(row)]?.overlay(&task)
        return task
    }

    /// The rows of `ids` (each once, unknown ids skipped), read with one statement per
    /// `maxIDsPerStatement` ids rather than one per id.
    private static func rows(ids: [String], _ db: SQLiteConnection, _ polls: PollTable) throws -> LoadedRows {
        var rows = LoadedRows(capacity: ids.count)
        try readRows(whose: "id", in: ids, into: &rows, db, polls) { $0.bind($1, $2) }
        return rows
    }

    /// The rows of `rowids` that still exist.
    private static func rows(rowids: [Int64], _ db: SQLiteConnection, _ polls: PollTable) throws -> LoadedRows {
        var rows = LoadedRows(capacity: rowids.count)
        // A batch is usually a run of neighbouring rows (the watch list is polled in `seq` order):
        // one range scan then reads them without the sorted temporary index and the one seek per
        // row that `IN (…)` costs. Rows in the range that were not asked for are skipped unread.
        if let first = rowids.min(), let last = rowids.max(), last - first < 2 * Int64(rowids.count) {
            let wanted = Set(rowids)
            let select = try db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE seq BETWEEN ?1 AND ?2")
            try select.bind(1, first).bind(2, last).forEachRow { row in
                let rowid = TaskRow.rowid(row)
                if wanted.contains(rowid) { rows.append(rowid, decode(row, polls)) }
            }
            return rows
        }
        try readRows(whose: "seq", in: rowids, into: &rows, db, polls) { $0.bind($1, $2) }
        return rows
    }

    /// Appends the rows whose `column` is one of `keys`, one `IN (…)` statement per chunk of keys.
    private static func readRows<Key>(
        whose column: String, in keys: [Key], into rows: inout LoadedRows, _ db: SQLiteConnection,
        _ polls: PollTable, bind: (Statement, Int32, Key) -> Void
    ) throws {
        try forEachChunk(of: keys) { chunk in
            let select = try db.statement(
                "SELECT \(TaskRow.columns) FROM tasks WHERE \(column) IN (\(placeholders(chunk.count)))")
            for (offset, key) in chunk.enumerated() { bind(select, Int32(offset + 1), key) }
            try select.forEachRow { rows.append(TaskRow.rowid($0), decode($0, polls)) }
        }
    }

    /// Ids bound into one `IN (…)` list at most: far below SQLite's limit of 32766 variables, and
    /// large enough that a collector batch (≤ 100 ids) is one statement.
    static let maxIDsPerStatement = 512

    private static func forEachChunk<T>(of ids: [T], _ body: (ArraySlice<T>) throws -> Void) throws {
        var start = 0
        while start < ids.count {
            let end = min(start + maxIDsPerStatement, ids.count)
            try body(ids[start..<end])
            start = end
        }
    }

    /// "?first, ?first+1, …" for `count` parameters, rounded up to a power of two: the parameters
    /// left unbound are NULL, which `IN` never matches, and the connection caches a handful of
    /// statements instead of one per list length.
    private static func placeholders(_ count: Int, from first: Int = 1) -> String {
        var slots = 1
        while slots < count { slots *= 2 }
        // Made once per list length (the collector asks for the same one for every batch).
        if first == 1, let index = Self.placeholderLists.indices.first(where: { 1 << $0 == slots }) {
            return Self.placeholderLists[index]
        }
        return (first..<(first + slots)).map { "?\($0)" }.joined(separator: ", ")
    }

    /// "?1, …, ?n" for n = 1, 2, 4, … up to `maxIDsPerStatement`.
    private static let placeholderLists: [String] = {
        var lists: [String] = []
        var slots = 1
        while slots <= maxIDsPerStatement {
            lists.append((1...slots).map { "?\($0)" }.joined(separator: ", "))
            slots *= 2
        }
        return lists
    }()

    /// Writes one batch as is (tests and imports; the collector uses `applyPoll`). As everywhere in
    /// the store, a finished row stays finished: a task without an outcome leaves `outcome` and
    /// `finished_at` of its row as they are (`TaskRow.updateUnfinishedSQL`).
    public func commit(_ batch: BatchCommit) throws {
        guard !batch.isEmpty else { return }
        try withState { state in
            let db = state.db
            let ids = Set(batch.changed.map(\.id)).union(batch.history.map(\.taskID))
            let rewritten = try db.transaction {
                let rowids = try Self.rowids(ids: Array(ids), db)
                try Self.write(batch, rowids: rowids, db)
                return rowids
            }
            // The rows were written as given: nothing counted in memory applies to them any more.
            for task in batch.changed {
                if let rowid = rewritten[task.id] { state.polls[rowid] = nil }
            }
        }
    }

    /// The `seq` of each known id.
    private static func rowids(ids: [String], _ db: SQLiteConnection) throws -> [String: Int64] {
        var rowids: [String: Int64] = [:]
        try forEachChunk(of: ids) { chunk in
            let select = try db.statement("SELECT id, seq FROM tasks WHERE id IN (\(placeholders(chunk.count)))")
            for (offset, id) in chunk.enumerated() { select.bind(Int32(offset + 1), id) }
            try select.forEachRow { rowids[$0.string(0) ?? ""] = $0.int(1) }
        }
        return rowids
    }

    /// Writes a batch whose tasks' rows are `rowids` (by id): rows and history are addressed by `seq`,
    /// never looked up by id again. Tasks without a row (forgotten meanwhile) are skipped.
    /// `pollsInMemory`: polls without a change are counted by the caller, not written here.
    private static func write(
        _ batch: BatchCommit, rowids: [String: Int64], _ db: SQLiteConnection, pollsInMemory: Bool = false
    ) throws {
        guard !batch.isEmpty else { return }
        if !batch.changed.isEmpty {
            let updateUnfinished = try db.statement(TaskRow.updateUnfinishedSQL)
            let updateFinished = try db.statement(TaskRow.updateSQL)
            var models = ModelNameCache()
            for task in batch.changed {
                guard let rowid = rowids[task.id] else { continue }
                let update = TaskRow.staysUnfinished(task) ? updateUnfinished : updateFinished
                TaskRow.bindUpdate(update, task, rowid: rowid, model: models.model(of: task))
                try update.run()
            }
        }
        if !batch.polledUnchanged.isEmpty && !pollsInMemory {
            // Poll bookkeeping only: one statement for the whole batch.
            try forEachChunk(of: batch.polledUnchanged) { chunk in
                let touch = try db.statement(
                    "UPDATE tasks SET last_polled = ?1, poll_count = poll_count + 1 WHERE id IN (\(placeholders(chunk.count, from: 2)))"
                )
                touch.bind(1, batch.polledAt)
                for (offset, id) in chunk.enumerated() { touch.bind(Int32(offset + 2), id) }
                try touch.run()
            }
        }
        if !batch.history.isEmpty {
            let insert = try db.statement(
                """
                INSERT INTO task_history (task, observed_at, status, progress, fail_reason)
                VALUES (?1, ?2, ?3, ?4, ?5)
                """)
            for (taskID, entry) in batch.history {
                guard let rowid = rowids[taskID] else { continue }
                insert.bind(1, rowid).bind(2, entry.observedAt).bind(3, entry.status)
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
            try db.statement("SELECT name FROM models ORDER BY position").forEachRow {
                names.append($0.string(0) ?? "")
            }
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
                var group =
                    merged[key]
                    ?? ActiveGroup(
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
                        name: window, action: row.string(0) ?? "", model: row.string(1) ?? "",
                        failures: Int(row.int(2)),
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
        try withState { state in
            let db = state.db
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

/// One watched task as the collector pages through the watch list: its row, id and action.
public struct ActiveTaskKey: Sendable, Equatable {
    public var rowid: Int64
    public var id: String
    public var action: TaskAction

    public init(rowid: Int64, id: String, action: TaskAction) {
        self.rowid = rowid
        self.id = id
        self.action = action
    }
}

/// Rows read for a batch: their `seq` and their tasks, side by side (the tasks go to the
/// lifecycle transform as they are, without a copy).
struct LoadedRows {
    var rowids: [Int64] = []
    var tasks: [TrackedTask] = []

    init(capacity: Int) {
        rowids.reserveCapacity(capacity)
        tasks.reserveCapacity(capacity)
    }

    mutating func append(_ rowid: Int64, _ task: TrackedTask) {
        rowids.append(rowid)
        tasks.append(task)
    }

    func rowidsByID() -> [String: Int64] {
        var byID: [String: Int64] = [:]
        byID.reserveCapacity(tasks.count)
        for (rowid, task) in zip(rowids, tasks) { byID[task.id] = rowid }
        return byID
    }
}

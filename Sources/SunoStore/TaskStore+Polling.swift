import SunoExporterCore

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

// The collector's side: paging through the watch list, applying polled batches, writing the
// poll bookkeeping. Each has an `…InBackground` twin that runs it on the writer's thread.
extension TaskStore {
    /// Up to `limit` unfinished tasks in polling order (action, then `seq`: registration order) after
    /// `cursor` (nil: from the start), read through the partial index `tasks_active`. The collector
    /// pages through the watch list with it, so a cycle holds one page of ids, not the whole list;
    /// and since neighbours in `seq` share pages, a batch's writes touch few pages.
    public func activeTaskPage(after cursor: ActiveTaskKey?, limit: Int) throws -> [ActiveTaskKey] {
        try read(.watchList) { db in
            if cursor == nil, polls.withLock({ $0.isEmpty }) {
                // The first cycle will remember every watched task: size the table once, rather
                // than growing it (and holding the old and new storage at once) while the cycle runs.
                var active = 0
                try db.statement("SELECT COUNT(*) FROM tasks WHERE outcome IS NULL").forEachRow {
                    active = Int($0.int(0))
                }
                polls.withLock { $0.reserveCapacity(active) }
            }
            return try Self.activeKeys(after: cursor, limit: limit, db)
        }
    }

    /// `activeTaskPage` on the writer's thread.
    public func activeTaskPageInBackground(after cursor: ActiveTaskKey?, limit: Int) async throws -> [ActiveTaskKey] {
        try await onWriterThread { try self.activeTaskPage(after: cursor, limit: limit) }
    }

    private static func activeKeys(after cursor: ActiveTaskKey?, limit: Int, _ db: SQLiteConnection) throws
        -> [ActiveTaskKey]
    {
        var keys: [ActiveTaskKey] = []
        keys.reserveCapacity(max(0, limit))
        // Columns: seq, id, action.
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

    /// Applies one polled batch of the collector: `transition` (the core's `BatchTransition.apply`)
    /// turns the batch's current rows into what to write, and it is written in one transaction.
    ///
    /// A task whose observation is exactly the one the previous poll applied to its row, and which
    /// no time rule can end yet (its give-up instant is still ahead), cannot change: the lifecycle
    /// rules give the same result for the same row and observation. It is counted as polled in
    /// memory, and its row is neither read nor written. The other tasks go through the same
    /// read–transition–write transaction as `update`, except that their polls without a change are
    /// also counted in memory. Returns what `transition` made (empty when every task was unchanged).
    @discardableResult
    public func applyPoll(
        _ tasks: [ActiveTaskKey], observations: [String: TaskObservation], now: Double, giveUpAfter: Double,
        _ transition: ([TrackedTask]) -> BatchTransition
    ) throws -> BatchTransition {
        let slow = countUnchangedPolls(tasks, observations: observations, now: now)
        guard !slow.rowids.isEmpty else { return BatchTransition() }
        return try applyPoll(slow, giveUpAfter: giveUpAfter, transition)
    }

    /// `applyPoll`, its SQLite part on the writer's thread. (Unchanged polls are counted here: that
    /// takes only the poll table's lock, and a batch with nothing new never leaves the caller's thread.)
    @discardableResult
    public func applyPollInBackground(
        _ tasks: [ActiveTaskKey], observations: [String: TaskObservation], now: Double, giveUpAfter: Double,
        _ transition: @escaping @Sendable ([TrackedTask]) -> BatchTransition
    ) async throws -> BatchTransition {
        let slow = countUnchangedPolls(tasks, observations: observations, now: now)
        guard !slow.rowids.isEmpty else { return BatchTransition() }
        return try await onWriterThread { try self.applyPoll(slow, giveUpAfter: giveUpAfter, transition) }
    }

    /// Rows that must be read, with the fingerprints of their observations.
    struct SlowRows: Sendable {
        var rowids: [Int64] = []
        var fingerprints: [Int64: Int] = [:]
    }

    /// Counts in memory the polls that cannot change their rows; returns the others.
    private func countUnchangedPolls(_ tasks: [ActiveTaskKey], observations: [String: TaskObservation], now: Double)
        -> SlowRows
    {
        var slow = SlowRows()
        polls.withLock { polls in
            for task in tasks {
                guard let observation = observations[task.id] else {
                    slow.rowids.append(task.rowid)
                    continue
                }
                let fingerprint = PollState.fingerprint(observation)
                if var poll = polls[task.rowid], poll.isUnchanged(fingerprint: fingerprint, now: now) {
                    poll.record(at: now)
                    polls[task.rowid] = poll
                } else {
                    slow.rowids.append(task.rowid)
                    slow.fingerprints[task.rowid] = fingerprint
                }
            }
        }
        return slow
    }

    /// The rows that may change: read, transition, write, in one transaction.
    private func applyPoll(_ slow: SlowRows, giveUpAfter: Double, _ transition: ([TrackedTask]) -> BatchTransition)
        throws -> BatchTransition
    {
        try write(.poll) { db in
            let (batch, rows) = try db.transaction {
                let rows = try loadRows(rowids: slow.rowids, db)
                let batch = transition(rows.tasks)
                try Self.write(batch, rowids: rows.rowidsByID(), db, pollsInMemory: true)
                return (batch, rows)
            }
            polls.withLock { polls in
                Self.remember(
                    batch, rows: rows, fingerprints: slow.fingerprints, giveUpAfter: giveUpAfter, in: &polls)
            }
            return batch
        }
    }

    /// Committed: remembers what this poll applied to each row it read.
    /// (What was written, not the tasks themselves: copying them costs more than the lookups.)
    private static func remember(
        _ batch: BatchTransition, rows: LoadedRows, fingerprints: [Int64: Int], giveUpAfter: Double,
        in polls: inout PollTable
    ) {
        var changed: [String: (isFinished: Bool, validUntil: Double, polls: Int, lastPolled: Double?)] = [:]
        changed.reserveCapacity(batch.changed.count)
        for task in batch.changed {
            changed[task.id] = (task.isFinished, task.submitReference + giveUpAfter, task.pollCount, task.lastPolled)
        }
        let unchanged = Set(batch.polledUnchanged)
        for (rowid, task) in zip(rows.rowids, rows.tasks) {
            if let written = changed[task.id] {
                // The row holds its polls now; a finished task is not polled again.
                polls[rowid] =
                    written.isFinished
                    ? nil
                    : PollState(
                        firstSeen: task.firstSeen, fingerprint: fingerprints[rowid], validUntil: written.validUntil,
                        polls: written.polls, lastPolled: written.lastPolled)
            } else if unchanged.contains(task.id) {
                // `task` is the row as read (with the polls counted here): this poll comes on top.
                var poll = PollState(
                    firstSeen: task.firstSeen, fingerprint: fingerprints[rowid],
                    validUntil: task.submitReference + giveUpAfter, polls: task.pollCount, lastPolled: task.lastPolled)
                poll.record(at: batch.polledAt)
                polls[rowid] = poll
            } else {
                polls[rowid] = nil
            }
        }
    }

    /// Writes the polls counted in memory to their rows, in rowid order and in transactions of at
    /// most 1000 rows (the writer is free between them). Returns the number of rows written.
    @discardableResult
    public func flushPollBookkeeping() throws -> Int {
        let pending = polls.withLock { $0.rowidsWithPendingPolls() }
        var written = 0
        var start = 0
        while start < pending.count {
            let chunk = pending[start..<min(start + 1_000, pending.count)]
            let states = polls.withLock { polls in chunk.map { polls[$0] } }
            try write(.flush) { db in
                try db.transaction {
                    // Counts are whole (see `PollState`): the larger of the row's and ours.
                    let touch = try db.statement(
                        """
                        UPDATE tasks SET last_polled = max(coalesce(last_polled, ?1), ?1),
                            poll_count = max(poll_count, ?2)
                        WHERE seq = ?3 AND first_seen = ?4
                        """)
                    for (rowid, state) in zip(chunk, states) {
                        guard let state, state.hasPendingPolls else { continue }
                        touch.bind(1, state.lastPolled).bind(2, state.polls).bind(3, rowid).bind(4, state.firstSeen)
                        try touch.run()
                        written += 1
                    }
                }
            }
            polls.withLock { polls in
                for (rowid, state) in zip(chunk, states) {
                    guard let state, var current = polls[rowid] else { continue }
                    // Polls counted after the copy was taken stay pending.
                    if current.polls == state.polls { current.hasPendingPolls = false }
                    polls[rowid] = current
                }
            }
            start += chunk.count
        }
        return written
    }

    /// `flushPollBookkeeping` on the writer's thread.
    @discardableResult
    public func flushPollBookkeepingInBackground() async throws -> Int {
        try await onWriterThread { try self.flushPollBookkeeping() }
    }
}

import SunoExporterCore

extension TaskStore {
    /// Applies a hook (or any change) to the current rows of `ids` atomically: the rows are read
    /// inside the write transaction, `transition` (the core's `BatchTransition.apply`) turns them
    /// into what to write, and that is written before the lock is released. A task forgotten or
    /// finished meanwhile is seen as it is now, so no finish is ever counted twice. The collector
    /// uses `applyPoll`.
    @discardableResult
    public func update(ids: [String], _ transition: ([TrackedTask]) -> BatchTransition) throws -> BatchTransition {
        try write(.hook) { db in
            let (batch, rows) = try db.transaction {
                let rows = try loadRows(ids: ids, db)
                let batch = transition(rows.tasks)
                try Self.write(batch, rowids: rows.rowidsByID(), db)
                return (batch, rows)
            }
            // A rewritten row holds every poll counted so far, and no poll applied what it holds.
            var written: [String: TrackedTask] = [:]
            for task in batch.changed { written[task.id] = task }
            polls.withLock { polls in
                for (rowid, read) in zip(rows.rowids, rows.tasks) {
                    guard let task = written[read.id] else { continue }
                    polls[rowid] =
                        task.isFinished
                        ? nil
                        : PollState(
                            firstSeen: task.firstSeen, fingerprint: nil, validUntil: 0, polls: task.pollCount,
                            lastPolled: task.lastPolled)
                }
            }
            return batch
        }
    }

    /// Writes one transition as is (tests and imports; the collector uses `applyPoll`). As everywhere
    /// in the store, a finished row stays finished: a task without an outcome leaves `outcome` and
    /// `finished_at` of its row as they are (`TaskRow.updateUnfinishedSQL`).
    public func commit(_ batch: BatchTransition) throws {
        guard !batch.isEmpty else { return }
        try write(.poll) { db in
            let ids = Set(batch.changed.map(\.id)).union(batch.history.map(\.taskID))
            let rewritten = try db.transaction {
                let rowids = try Self.rowids(ids: Array(ids), db)
                try Self.write(batch, rowids: rowids, db)
                return rowids
            }
            // The rows were written as given: nothing counted in memory applies to them any more.
            polls.withLock { polls in
                for task in batch.changed {
                    if let rowid = rewritten[task.id] { polls[rowid] = nil }
                }
            }
        }
    }

    /// Writes a transition whose tasks' rows are `rowids` (by id): rows and history are addressed by
    /// `seq`, never looked up by id again. Tasks without a row (forgotten meanwhile) are skipped.
    /// `pollsInMemory`: polls without a change are counted by the caller, not written here.
    static func write(
        _ batch: BatchTransition, rowids: [String: Int64], _ db: SQLiteConnection, pollsInMemory: Bool = false
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
            for record in batch.history {
                guard let rowid = rowids[record.taskID] else { continue }
                let entry = record.entry
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
                rollup.bind(1, key.minute).bind(2, key.action.rawValue).bind(3, key.model).bind(4, counts.finished)
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

    static func addDeltas(_ deltas: AggregateDeltas, _ db: SQLiteConnection) throws {
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
}

import SunoExporterCore

// Housekeeping the collector does between cycles, each with an `…InBackground` twin on the writer's thread.
extension TaskStore {
    /// Deletes finished tasks (and their history) that ended before `cutoff`, and old rollup minutes.
    /// Aggregates are never touched, so counters never go down. Returns the number of tasks pruned.
    @discardableResult
    public func prune(finishedBefore cutoff: Double, rollupBefore rollupCutoff: Double) throws -> Int {
        try write(.prune) { db in
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

    /// `prune` on the writer's thread.
    @discardableResult
    public func pruneInBackground(finishedBefore cutoff: Double, rollupBefore rollupCutoff: Double) async throws -> Int
    {
        try await onWriterThread { try self.prune(finishedBefore: cutoff, rollupBefore: rollupCutoff) }
    }

    /// A write that needs a megabyte of room in the file and on the disk, and changes nothing: while
    /// writes are failing the collector tries it at the end of every cycle, and only its success
    /// says they work again (a smaller write may fit in what is left of a full disk, and then
    /// the next batch would fail again).
    public func probeWrite() throws {
        try write(.probe) { db in try StoreCheck.probe(db, bytes: Self.recoveryProbeBytes) }
    }

    static let recoveryProbeBytes = 1 << 20

    /// `probeWrite` on the writer's thread.
    public func probeWriteInBackground() async throws {
        try await onWriterThread { try self.probeWrite() }
    }
}

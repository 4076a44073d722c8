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
/// (`PollTable`) and written in bulk (`flushPollBookkeeping()`), or with the row's next change:
/// rewriting a row per task and poll would be most of an unchanged cycle's cost. Every read of
/// this store includes it; another process reading the file sees it once flushed.
///
/// The operations are grouped by responsibility: registration (`TaskStore+Registration`), the
/// collector's polling (`+Polling`), batch writes (`+Writes`), row reads shared by them
/// (`+RowReads`), snapshot inputs (`+SnapshotInputs`), the task API (`+TaskAPI`) and the landing
/// page's summary (`+Summary`).
public final class TaskStore: Sendable {
    public let path: String
    private let state: Mutex<StoreState>
    /// Which ids this replica stores (`--shard`); every id without sharding.
    let owns: @Sendable (String) -> Bool

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

    func withState<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        try state.withLock { state in try body(&state) }
    }
}

/// The connection and what the store keeps in memory about watched rows, under one lock.
struct StoreState {
    let db: SQLiteConnection
    /// By rowid, for unfinished tasks the collector polled (see `TaskStore.applyPoll`).
    var polls = PollTable()
}

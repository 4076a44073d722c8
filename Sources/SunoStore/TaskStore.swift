import Foundation
import Logging
import SunoExporterCore
import Synchronization

/// The SQLite store: the watch list, status history and the persisted aggregates.
///
/// One writer connection and a pool of reader connections on the same file in WAL mode: writes are
/// short transactions (one per batch) on the writer, which the collector reaches on the writer's
/// own thread (`WriterConnection.perform`) and libmicrohttpd's threads call synchronously; reads
/// (the API, the landing page, snapshot inputs) go to readers and never wait for a batch to commit.
/// Other processes (the `tasks` CLI) share the file through WAL and the busy timeout.
///
/// Poll bookkeeping (`last_polled`, `poll_count`) of polls that changed nothing is kept in memory
/// (`PollTable`, under its own lock) and written in bulk (`flushPollBookkeeping()`), or with the
/// row's next change: rewriting a row per task and poll would be most of an unchanged cycle's
/// cost. Every read of this store includes it; another process reading the file sees it once flushed.
///
/// Every operation reports to `health`: failures by operation, and whether writes work now.
///
/// The operations are grouped by responsibility: registration (`TaskStore+Registration`), the
/// collector's polling (`+Polling`), batch writes (`+Writes`), row reads shared by them
/// (`+RowReads`), snapshot inputs (`+SnapshotInputs`), the task API (`+TaskAPI`) and the landing
/// page's summary (`+Summary`).
public final class TaskStore: Sendable {
    public let path: String
    public let health: StoreHealth
    let writer: WriterConnection
    let readers: ReaderPool
    /// By rowid, for unfinished tasks the collector polled (see `applyPoll`).
    let polls = Mutex(PollTable())
    /// Which ids this replica stores (`--shard`); every id without sharding.
    let owns: @Sendable (String) -> Bool

    /// Opens (creating if needed), migrates and checks the database. `upgrading` false (the `tasks`
    /// CLI) sets up a fresh file but refuses to upgrade an older schema: that is the server's job.
    /// Throws a `StoreOpenError` that says what is wrong with the file and what to do.
    public init(
        path: String, upgrading: Bool = true, owns: @escaping @Sendable (String) -> Bool = { _ in true },
        logger: Logger = Logger(label: "suno-exporter.store", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.path = path
        self.owns = owns
        health = StoreHealth(logger: logger)
        readers = ReaderPool(path: path)
        do {
            let db = try SQLiteConnection(path: path)
            // WAL: readers never block the writer; NORMAL is durable across process crashes in WAL mode.
            try db.executeRetryingBusy("PRAGMA journal_mode = WAL")
            try db.execute("PRAGMA synchronous = NORMAL")
            try db.execute("PRAGMA foreign_keys = ON")
            // A WAL file left larger than this (after a migration or a burst) is cut back at checkpoints.
            try db.execute("PRAGMA journal_size_limit = \(Self.walSizeLimit)")
            let upgraded = try Migrations.migrate(db, upgrading: upgrading)
            try StoreCheck.verify(db, writing: upgrading)
            if upgraded {
                // An upgrade may rewrite whole tables: hand their copy in the WAL back to the disk now.
                try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            writer = WriterConnection(db)
        } catch {
            throw StoreOpenError(path: path, error: error)
        }
    }

    /// Bytes of WAL kept after a checkpoint (`journal_size_limit`).
    static let walSizeLimit = 64 << 20

    deinit {
        // Polls counted in memory reach the file before the connection closes.
        _ = try? flushPollBookkeeping()
    }

    /// The writer connection, on the caller's thread (tests, and operations of this store).
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try writer.sync(body)
    }

    /// A write as `operation`, on the caller's thread, recorded in `health`: a failure, or a
    /// success when rows did change (a transaction that wrote nothing proves nothing about room).
    func write<T>(_ operation: StoreOperation, _ body: (SQLiteConnection) throws -> T) throws -> T {
        try writer.sync { db in
            let before = db.totalChanges
            let result: T
            do {
                result = try body(db)
            } catch {
                health.failed(operation, error)
                throw error
            }
            if db.totalChanges != before { health.succeeded(operation) }
            return result
        }
    }

    /// A read as `operation` on a reader connection, recorded in `health`.
    func read<T>(_ operation: StoreOperation = .read, _ body: (SQLiteConnection) throws -> T) throws -> T {
        try health.track(operation) { try readers.read(body) }
    }

    /// Runs a synchronous operation of this store on the writer's thread, for callers on Swift's
    /// cooperative pool (the collector).
    func onWriterThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await writer.perform(body)
    }
}

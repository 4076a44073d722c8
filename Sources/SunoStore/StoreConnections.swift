import Synchronization

/// The connection that writes, and the thread the collector's writes run on.
///
/// Synchronous callers (libmicrohttpd's threads, the CLI, tests) take the lock on their own
/// thread; the collector hands its work to the writer's `WorkerThread` (`perform`), so SQLite never
/// blocks a thread of Swift's cooperative pool.
final class WriterConnection: Sendable {
    private let connection: Mutex<SQLiteConnection>
    /// At the HTTP threads' priority: they wait for locks this thread holds (the writer's, for API
    /// writes; the poll table's, briefly, for API reads), so a lower one would let a busy CPU keep
    /// them waiting (priority inversion).
    private let thread = WorkerThread(name: "suno-store-writer", niceness: 0)

    init(_ connection: SQLiteConnection) {
        self.connection = Mutex(connection)
    }

    func sync<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try connection.withLock { db in try body(db) }
    }

    /// Runs `body` on the writer's own thread and waits for it without holding a pool thread.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await thread.run(body)
    }
}

/// Read-only connections beside the writer: in WAL mode a reader sees the last commit and neither
/// waits for the writer nor holds it up, so the API, the landing page and snapshots never queue
/// behind a batch. Each connection serves one caller at a time; idle ones are kept for reuse.
final class ReaderPool: Sendable {
    private let path: String
    private let idle = Mutex<[SQLiteConnection]>([])
    /// Idle connections kept (more may be open at once; the rest close when returned).
    static let maxIdle = 4

    init(path: String) {
        self.path = path
    }

    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let db = try idle.withLock { $0.popLast() } ?? open()
        defer {
            idle.withLock { connections in
                if connections.count < Self.maxIdle { connections.append(db) }
            }
        }
        return try body(db)
    }

    private func open() throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, create: false)
        try db.execute("PRAGMA query_only = ON")
        // Readers mostly scan (snapshot inputs, list pages): a small cache each keeps their memory low.
        try db.execute("PRAGMA cache_size = -1024")
        return db
    }
}

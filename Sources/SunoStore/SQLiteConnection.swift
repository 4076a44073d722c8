import CSQLite
import Foundation

/// One SQLite connection. Every pointer and C call of the store lives in this file.
///
/// `@unchecked Sendable` invariant: a connection is used by one thread at a time — the writer's
/// inside its Mutex (`WriterConnection`), a reader while it is checked out of the `ReaderPool` —
/// and statements never outlive that use. The compiler cannot see through the C handle.
@safe
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var cache: [String: Statement] = [:]

    /// Process-wide settings, applied once before the first connection opens.
    private static let configured: Bool = csqlite_disable_memory_statistics() == SQLITE_OK

    /// `create` false: the file must exist (readers open it after the writer set it up).
    init(path: String, create: Bool = true, busyTimeoutMilliseconds: Int32 = 5_000) throws(SQLiteError) {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let rc = unsafe sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db = unsafe db else {
            let message = unsafe db.map { unsafe String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            // sqlite3_open_v2 allocates a handle even on failure; it must be closed (sqlite.org).
            unsafe sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: "\(message): \(path)", sql: nil)
        }
        unsafe handle = unsafe db
        unsafe sqlite3_extended_result_codes(db, 1)
        unsafe sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        cache.removeAll()
        unsafe sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = unsafe sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = unsafe (error.map { unsafe String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle)))
            unsafe sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// `execute`, tried again while the database is busy, for at most `seconds`. For the pragmas run
    /// when a file is opened: switching a fresh file to WAL while another process migrates it can
    /// answer SQLITE_BUSY at once, without going through the busy handler.
    func executeRetryingBusy(_ sql: String, seconds: Double = 5) throws(SQLiteError) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
        while true {
            do {
                return try execute(sql)
            } catch {
                guard error.code & 0xff == SQLITE_BUSY, ContinuousClock.now < deadline else { throw error }
                usleep(10_000)
            }
        }
    }

    /// A prepared statement, cached by its text; it is reset and unbound before being handed out.
    func statement(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = unsafe sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw = unsafe raw else {
            throw unsafe SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        let statement = unsafe Statement(raw, connection: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// Runs `body` in one transaction (BEGIN IMMEDIATE, so a writer never deadlocks on upgrade);
    /// rolls back when it throws.
    /// BEGIN and COMMIT are prepared once (not parsed again for every batch, as `execute` would).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try statement("BEGIN IMMEDIATE").run()
        do {
            let result = try body()
            try statement("COMMIT").run()
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var changes: Int { unsafe Int(sqlite3_changes(handle)) }

    /// Rows changed by this connection since it opened.
    var totalChanges: Int64 { unsafe sqlite3_total_changes64(handle) }

    fileprivate func error(_ rc: Int32, _ sql: String) -> SQLiteError {
        unsafe SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

/// A prepared statement with 1-based binds and 0-based column reads.
@safe
final class Statement {
    private let raw: OpaquePointer
    private unowned let connection: SQLiteConnection
    let sql: String
    /// The text bound since the statement last ran.
    private var arena = BindArena()

    fileprivate init(_ raw: OpaquePointer, connection: SQLiteConnection, sql: String) {
        unsafe self.raw = unsafe raw
        self.connection = connection
        self.sql = sql
    }

    deinit {
        unsafe sqlite3_finalize(raw)
        arena.deallocate()
    }

    /// Ready to be bound again: no bound value outlives this (text bound from the arena included).
    fileprivate func reset() {
        unsafe sqlite3_reset(raw)
        unsafe sqlite3_clear_bindings(raw)
        arena.reset()
    }

    @discardableResult
    func bind(_ index: Int32, _ value: String?) -> Statement {
        if var value {
            // The bytes are copied into the statement's arena and bound with SQLITE_STATIC: they
            // stay put until the statement has run (`run`, `forEachRow`) or is handed out again,
            // which is when the arena is reused. (SQLITE_TRANSIENT would have SQLite malloc, copy
            // and free every value.) The length is given, so SQLite never scans for a terminator.
            let text = value.withUTF8 { unsafe arena.copy(UnsafeRawBufferPointer($0)) }
            unsafe sqlite3_bind_text(raw, index, text.assumingMemoryBound(to: CChar.self), Int32(value.utf8.count), nil)
        } else {
            unsafe sqlite3_bind_null(raw, index)
        }
        return self
    }

    @discardableResult
    func bind(_ index: Int32, _ value: Int64?) -> Statement {
        if let value { unsafe sqlite3_bind_int64(raw, index, value) } else { unsafe sqlite3_bind_null(raw, index) }
        return self
    }

    @discardableResult
    func bind(_ index: Int32, _ value: Int) -> Statement { bind(index, Int64(value)) }

    @discardableResult
    func bind(_ index: Int32, _ value: Double?) -> Statement {
        if let value { unsafe sqlite3_bind_double(raw, index, value) } else { unsafe sqlite3_bind_null(raw, index) }
        return self
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        let rc = unsafe sqlite3_step(raw)
        defer { reset() }
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw connection.error(rc, sql) }
    }

    /// Steps to the next row; false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = unsafe sqlite3_step(raw)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error(rc, sql)
    }

    /// Calls `row` for each result row.
    func forEachRow(_ row: (Statement) throws -> Void) throws {
        defer { reset() }
        while try step() { try row(self) }
    }

    func string(_ column: Int32) -> String? {
        guard let text = unsafe sqlite3_column_text(raw, column) else { return nil }
        // The byte count comes with the text (asked after it, as SQLite requires), so no scan for the terminator.
        let count = unsafe Int(sqlite3_column_bytes(raw, column))
        return unsafe String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func int(_ column: Int32) -> Int64 { unsafe sqlite3_column_int64(raw, column) }

    func double(_ column: Int32) -> Double { unsafe sqlite3_column_double(raw, column) }

    func optionalDouble(_ column: Int32) -> Double? {
        unsafe sqlite3_column_type(raw, column) == SQLITE_NULL ? nil : sqlite3_column_double(raw, column)
    }

    func isNull(_ column: Int32) -> Bool { unsafe sqlite3_column_type(raw, column) == SQLITE_NULL }
}

/// Memory for the text bound to one statement until it has run: 4 KiB reused from run to run,
/// plus an allocation of its own for any value that does not fit (freed at the next reset).
@safe
private struct BindArena {
    private static let blockSize = 4_096
    private var block: UnsafeMutableRawPointer?
    private var used = 0
    private var oversized: [UnsafeMutableRawPointer] = unsafe []

    /// A copy of `bytes` (never NULL, even when empty), valid until `reset`.
    mutating func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer {
        guard bytes.count <= Self.blockSize - used else { return unsafe copyOversized(bytes) }
        let block = unsafe self.block ?? UnsafeMutableRawPointer.allocate(byteCount: Self.blockSize, alignment: 8)
        unsafe self.block = unsafe block
        let destination = unsafe block + used
        if let source = bytes.baseAddress { unsafe destination.copyMemory(from: source, byteCount: bytes.count) }
        used += bytes.count
        return UnsafeRawPointer(destination)
    }

    private mutating func copyOversized(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer {
        let destination = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 8)
        if let source = bytes.baseAddress { unsafe destination.copyMemory(from: source, byteCount: bytes.count) }
        unsafe oversized.append(destination)
        return UnsafeRawPointer(destination)
    }

    mutating func reset() {
        used = 0
        // (Not a for-in loop: swift-format 6.3 rewrites `for unsafe x` into `for unsafex`.)
        while let allocation = unsafe oversized.popLast() { unsafe allocation.deallocate() }
        unsafe oversized.removeAll(keepingCapacity: true)
    }

    mutating func deallocate() {
        reset()
        unsafe block?.deallocate()
        unsafe block = nil
    }
}

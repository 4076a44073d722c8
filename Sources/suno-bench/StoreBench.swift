import CSQLite
import Foundation
import SunoExporterCore
import SunoStore

/// The SQLite path of a status change, in tasks per second: `TaskStore.update` (read the current
/// rows inside the transaction, rewrite each row, insert a history row) next to the same writes in
/// direct C calls (one prepared UPDATE and one prepared INSERT, values bound from C strings, one
/// transaction per batch of 100). Both run on identical copies of one database of N registered
/// tasks, in the order the collector polls them, alternating, and each keeps its best round.
enum StoreBench {
    struct Result {
        var tasks: Int
        var oursTasksPerSecond: Double
        var cLevelTasksPerSecond: Double
        /// The same C-level writes, plus reading the batch's rows first (every column, no copies):
        /// the work the store does, which reads each row inside the transaction before rewriting it.
        var cLevelWithReadTasksPerSecond: Double
    }

    static let batchSize = 100

    static func run(tasks: Int, rounds: Int = 2) throws -> Result {
        let scratch = try ScratchDirectory("store")
        defer { scratch.remove() }
        let template = scratch.path("template.db")
        let ids = (0..<tasks).map { String(format: "%08x-5b0f-4c8e-9f10-%012x", $0 &* 2_654_435_761 & 0xffff_ffff, $0) }
        do {
            let store = try TaskStore(path: template)
            try CollectorBench.register(ids, in: store, now: 1_000)
            // One first answer for every task, so rows have their steady-state shape.
            try oursPass(store: store, status: "SUBMITTED", now: 1_005)
            // Closing the last connection checkpoints the WAL into the file, so a copy is complete.
        }
        let oursPath = scratch.path("ours.db")
        let cPath = scratch.path("c.db")
        let cReadPath = scratch.path("c-read.db")
        for path in [oursPath, cPath, cReadPath] { try FileManager.default.copyItem(atPath: template, toPath: path) }
        let ours = try TaskStore(path: oursPath)
        // The collector's order.
        let order = try allKeys(ours).map(\.rowid)
        let cLevel = try CLevelWriter(path: cPath, rowids: order)
        let cLevelWithRead = try CLevelWriter(path: cReadPath, rowids: order, readsRows: true)

        var bestOurs = Double.infinity
        var bestC = Double.infinity
        var bestCWithRead = Double.infinity
        for round in 0..<rounds {
            let status = round % 2 == 0 ? "QUEUED" : "IN_PROGRESS"
            let now = 1_010 + Double(round) * 5
            let start = Measure.threadCPUSeconds()
            try cLevel.pass(status: status, now: now, batchSize: batchSize)
            bestC = min(bestC, Measure.threadCPUSeconds() - start)
            let readStart = Measure.threadCPUSeconds()
            try cLevelWithRead.pass(status: status, now: now, batchSize: batchSize)
            bestCWithRead = min(bestCWithRead, Measure.threadCPUSeconds() - readStart)
            bestOurs = min(bestOurs, try oursPass(store: ours, status: status, now: now))
        }
        return Result(
            tasks: tasks, oursTasksPerSecond: Double(tasks) / bestOurs, cLevelTasksPerSecond: Double(tasks) / bestC,
            cLevelWithReadTasksPerSecond: Double(tasks) / bestCWithRead)
    }

    /// Every task gets a new status: the store work of a collector cycle in which everything changes,
    /// through the collector's entry point (`applyPoll`) with a minimal transform. Returns the CPU
    /// seconds of the `applyPoll` calls: the batches and their observations are made first, as the
    /// C-level writer gets its rows ready-made (listing the watch list and decoding are the
    /// collector's work, measured in the collector rows).
    @discardableResult
    static func oursPass(store: TaskStore, status: String, now: Double) throws -> Double {
        let keys = try allKeys(store)
        let batches = stride(from: 0, to: keys.count, by: batchSize).map { start in
            let batch = Array(keys[start..<min(start + batchSize, keys.count)])
            var observations: [String: TaskObservation] = [:]
            for key in batch { observations[key.id] = TaskObservation(taskID: key.id, status: status) }
            return (batch, observations)
        }
        let started = Measure.threadCPUSeconds()
        for (batch, observations) in batches {
            try store.applyPoll(batch, observations: observations, now: now, giveUpAfter: 86_400) { current in
                var commit = BatchTransition()
                commit.polledAt = now
                commit.changed.reserveCapacity(current.count)
                commit.history.reserveCapacity(current.count)
                for var task in current {
                    task.status = status
                    task.progress = "0%"
                    task.lastPolled = now
                    task.pollCount += 1
                    if task.firstReturned == nil { task.firstReturned = now }
                    commit.changed.append(task)
                    commit.history.append(
                        HistoryRecord(
                            taskID: task.id,
                            entry: HistoryEntry(status: status, progress: "0%", failReason: "", observedAt: now)))
                }
                return commit
            }
        }
        return Measure.threadCPUSeconds() - started
    }

    /// The watch list in polling order.
    static func allKeys(_ store: TaskStore) throws -> [ActiveTaskKey] {
        var keys: [ActiveTaskKey] = []
        while true {
            let page = try store.activeTaskPage(after: keys.last, limit: 10_000)
            keys += page
            if page.count < 10_000 { return keys }
        }
    }
}

/// The C-level limit: the same two statements per task, prepared once, bound from C strings that
/// SQLite does not copy (SQLITE_STATIC), one transaction per batch.
@safe
final class CLevelWriter {
    private var db: OpaquePointer?
    private var update: OpaquePointer?
    private var insert: OpaquePointer?
    /// Set when the writer reads each batch's rows first.
    private var select: OpaquePointer?
    /// The rows to change (`seq`), in polling order: the store knows them from the watch list page.
    private let rowids: [Int64]
    /// What `readRows` touched, kept so the reads cannot be optimised away.
    private(set) var readSink = 0
    /// model, progress, empty text.
    private let constants = CStrings(["chirp-v4", "0%", ""])

    /// The row rewrite the store does for a changed task (every column it owns).
    static let updateSQL = """
        UPDATE tasks SET clip_model = ?2, model = ?3, status = ?4, progress = ?5, fail_reason = ?6,
            submit_time = ?7, start_time = ?8, finish_time = ?9, last_polled = ?10, first_returned = ?11,
            poll_count = ?12, outcome = ?13, finished_at = ?14, queue_wait_observed = ?15, first_audio_observed = ?16
        WHERE seq = ?1
        """
    static let insertSQL = """
        INSERT INTO task_history (task, observed_at, status, progress, fail_reason) VALUES (?1, ?2, ?3, ?4, ?5)
        """

    init(path: String, rowids: [Int64], readsRows: Bool = false) throws {
        self.rowids = rowids
        guard unsafe sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            throw BenchError("cannot open \(path)")
        }
        try exec("PRAGMA journal_mode = WAL")
        try exec("PRAGMA synchronous = NORMAL")
        guard
            unsafe sqlite3_prepare_v3(db, Self.updateSQL, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &update, nil)
                == SQLITE_OK,
            unsafe sqlite3_prepare_v3(db, Self.insertSQL, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &insert, nil)
                == SQLITE_OK
        else { throw BenchError(unsafe "prepare failed: \(String(cString: sqlite3_errmsg(db)))") }
        if readsRows {
            // The store's read of a batch: every column of the rows in the batch's `seq` range.
            let sql = "SELECT \(Self.rowColumns) FROM tasks WHERE seq BETWEEN ?1 AND ?2"
            guard unsafe sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &select, nil) == SQLITE_OK
            else {
                throw BenchError(unsafe "prepare failed: \(String(cString: sqlite3_errmsg(db)))")
            }
        }
    }

    static let rowColumns = """
        id, action, registered_model, clip_model, labels, status, progress, fail_reason, submit_time, start_time, \
        finish_time, first_seen, last_polled, first_returned, poll_count, outcome, finished_at, queue_wait_observed, \
        first_audio_observed, source, seq
        """

    /// Steps through the batch's rows and touches every column as a C program would (text by pointer).
    private func readRows(from first: Int64, to last: Int64) throws -> Int {
        guard let select = unsafe select else { return 0 }
        unsafe sqlite3_bind_int64(select, 1, first)
        unsafe sqlite3_bind_int64(select, 2, last)
        defer { unsafe sqlite3_reset(select) }
        var touched = 0
        while unsafe sqlite3_step(select) == SQLITE_ROW {
            for column in 0..<Int32(21) {
                switch unsafe sqlite3_column_type(select, column) {
                case SQLITE_TEXT:
                    unsafe touched &+=
                        Int(sqlite3_column_bytes(select, column))
                        &+ (sqlite3_column_text(select, column) == nil ? 0 : 1)
                case SQLITE_INTEGER: unsafe touched &+= Int(truncatingIfNeeded: sqlite3_column_int64(select, column))
                case SQLITE_FLOAT: unsafe touched &+= Int(sqlite3_column_double(select, column) > 0 ? 1 : 0)
                default: break
                }
            }
        }
        return touched
    }

    deinit {
        unsafe sqlite3_finalize(update)
        unsafe sqlite3_finalize(insert)
        unsafe sqlite3_finalize(select)
        unsafe sqlite3_close_v2(db)
    }

    func exec(_ sql: String) throws {
        guard unsafe sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError(unsafe "\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    /// One status change for every row, in batches.
    func pass(status: String, now: Double, batchSize: Int) throws {
        let rowids = self.rowids
        let (model, progress, empty) = unsafe (constants.pointers[0], constants.pointers[1], constants.pointers[2])
        try unsafe status.withCString { statusText in
            var start = 0
            while start < rowids.count {
                try exec("BEGIN IMMEDIATE")
                let end = min(start + batchSize, rowids.count)
                readSink &+= try readRows(from: rowids[start], to: rowids[end - 1])
                for index in start..<end {
                    let rowid = rowids[index]
                    unsafe sqlite3_bind_int64(update, 1, rowid)
                    unsafe sqlite3_bind_text(update, 2, model, -1, nil)
                    unsafe sqlite3_bind_text(update, 3, model, -1, nil)
                    unsafe sqlite3_bind_text(update, 4, statusText, -1, nil)
                    unsafe sqlite3_bind_text(update, 5, progress, -1, nil)
                    unsafe sqlite3_bind_text(update, 6, empty, -1, nil)
                    unsafe sqlite3_bind_int64(update, 7, 1_000)
                    unsafe sqlite3_bind_int64(update, 8, 0)
                    unsafe sqlite3_bind_int64(update, 9, 0)
                    unsafe sqlite3_bind_double(update, 10, now)
                    unsafe sqlite3_bind_double(update, 11, 1_005)
                    unsafe sqlite3_bind_int64(update, 12, 2)
                    unsafe sqlite3_bind_null(update, 13)
                    unsafe sqlite3_bind_null(update, 14)
                    unsafe sqlite3_bind_int64(update, 15, 0)
                    unsafe sqlite3_bind_int64(update, 16, 0)
                    guard unsafe sqlite3_step(update) == SQLITE_DONE else { throw BenchError("update failed") }
                    unsafe sqlite3_reset(update)
                    unsafe sqlite3_bind_int64(insert, 1, rowid)
                    unsafe sqlite3_bind_double(insert, 2, now)
                    unsafe sqlite3_bind_text(insert, 3, statusText, -1, nil)
                    unsafe sqlite3_bind_text(insert, 4, progress, -1, nil)
                    unsafe sqlite3_bind_text(insert, 5, empty, -1, nil)
                    guard unsafe sqlite3_step(insert) == SQLITE_DONE else { throw BenchError("insert failed") }
                    unsafe sqlite3_reset(insert)
                }
                try exec("COMMIT")
                start += batchSize
            }
        }
    }
}

/// NUL-terminated copies of some strings in one allocation, alive as long as this object: what a C
/// program would hand SQLite with SQLITE_STATIC.
@safe
final class CStrings {
    private let storage: UnsafeMutablePointer<CChar>
    let pointers: [UnsafePointer<CChar>]

    init(_ texts: [String]) {
        let total = texts.reduce(0) { $0 + $1.utf8.count + 1 }
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(total, 1))
        unsafe self.storage = unsafe storage
        var pointers: [UnsafePointer<CChar>] = unsafe []
        unsafe pointers.reserveCapacity(texts.count)
        var offset = 0
        for text in texts {
            let bytes = Array(text.utf8CString)
            unsafe bytes.withUnsafeBufferPointer {
                unsafe (storage + offset).initialize(from: $0.baseAddress!, count: $0.count)
            }
            unsafe pointers.append(UnsafePointer(storage + offset))
            offset += bytes.count
        }
        unsafe self.pointers = unsafe pointers
    }

    deinit { unsafe storage.deallocate() }
}

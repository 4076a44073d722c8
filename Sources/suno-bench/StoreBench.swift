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
        try FileManager.default.copyItem(atPath: template, toPath: oursPath)
        try FileManager.default.copyItem(atPath: template, toPath: cPath)
        let ours = try TaskStore(path: oursPath)
        // The collector's order.
        let order = try allKeys(ours).map(\.rowid)
        let cLevel = try CLevelWriter(path: cPath, rowids: order)

        var bestOurs = Double.infinity
        var bestC = Double.infinity
        for round in 0..<rounds {
            let status = round % 2 == 0 ? "QUEUED" : "IN_PROGRESS"
            let now = 1_010 + Double(round) * 5
            let start = Measure.threadCPUSeconds()
            try cLevel.pass(status: status, now: now, batchSize: batchSize)
            bestC = min(bestC, Measure.threadCPUSeconds() - start)
            let oursStart = Measure.threadCPUSeconds()
            try oursPass(store: ours, status: status, now: now)
            bestOurs = min(bestOurs, Measure.threadCPUSeconds() - oursStart)
        }
        return Result(
            tasks: tasks, oursTasksPerSecond: Double(tasks) / bestOurs, cLevelTasksPerSecond: Double(tasks) / bestC)
    }

    /// Every task gets a new status: the store work of a collector cycle in which everything changes,
    /// through the collector's entry point (`applyPoll`) with a minimal transform.
    static func oursPass(store: TaskStore, status: String, now: Double) throws {
        let keys = try allKeys(store)
        var start = 0
        while start < keys.count {
            let batch = Array(keys[start..<min(start + batchSize, keys.count)])
            var observations: [String: TaskObservation] = [:]
            for key in batch { observations[key.id] = TaskObservation(taskID: key.id, status: status) }
            try store.applyPoll(batch, observations: observations, now: now, giveUpAfter: 86_400) { current in
                var commit = BatchCommit()
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
                        (task.id, HistoryEntry(status: status, progress: "0%", failReason: "", observedAt: now)))
                }
                return commit
            }
            start += batchSize
        }
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
final class CLevelWriter {
    private var db: OpaquePointer?
    private var update: OpaquePointer?
    private var insert: OpaquePointer?
    /// The rows to change (`seq`), in polling order: the store knows them from the watch list page.
    private let rowids: [Int64]
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

    init(path: String, rowids: [Int64]) throws {
        self.rowids = rowids
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            throw BenchError("cannot open \(path)")
        }
        try exec("PRAGMA journal_mode = WAL")
        try exec("PRAGMA synchronous = NORMAL")
        guard sqlite3_prepare_v3(db, Self.updateSQL, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &update, nil) == SQLITE_OK,
            sqlite3_prepare_v3(db, Self.insertSQL, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &insert, nil) == SQLITE_OK
        else { throw BenchError("prepare failed: \(String(cString: sqlite3_errmsg(db)))") }
    }

    deinit {
        sqlite3_finalize(update)
        sqlite3_finalize(insert)
        sqlite3_close_v2(db)
    }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError("\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    /// One status change for every row, in batches.
    func pass(status: String, now: Double, batchSize: Int) throws {
        let rowids = self.rowids
        let (model, progress, empty) = (constants.pointers[0], constants.pointers[1], constants.pointers[2])
        try status.withCString { statusText in
            var start = 0
            while start < rowids.count {
                try exec("BEGIN IMMEDIATE")
                for index in start..<min(start + batchSize, rowids.count) {
                    let rowid = rowids[index]
                    sqlite3_bind_int64(update, 1, rowid)
                    sqlite3_bind_text(update, 2, model, -1, nil)
                    sqlite3_bind_text(update, 3, model, -1, nil)
                    sqlite3_bind_text(update, 4, statusText, -1, nil)
                    sqlite3_bind_text(update, 5, progress, -1, nil)
                    sqlite3_bind_text(update, 6, empty, -1, nil)
                    sqlite3_bind_int64(update, 7, 1_000)
                    sqlite3_bind_int64(update, 8, 0)
                    sqlite3_bind_int64(update, 9, 0)
                    sqlite3_bind_double(update, 10, now)
                    sqlite3_bind_double(update, 11, 1_005)
                    sqlite3_bind_int64(update, 12, 2)
                    sqlite3_bind_null(update, 13)
                    sqlite3_bind_null(update, 14)
                    sqlite3_bind_int64(update, 15, 0)
                    sqlite3_bind_int64(update, 16, 0)
                    guard sqlite3_step(update) == SQLITE_DONE else { throw BenchError("update failed") }
                    sqlite3_reset(update)
                    sqlite3_bind_int64(insert, 1, rowid)
                    sqlite3_bind_double(insert, 2, now)
                    sqlite3_bind_text(insert, 3, statusText, -1, nil)
                    sqlite3_bind_text(insert, 4, progress, -1, nil)
                    sqlite3_bind_text(insert, 5, empty, -1, nil)
                    guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError("insert failed") }
                    sqlite3_reset(insert)
                }
                try exec("COMMIT")
                start += batchSize
            }
        }
    }
}

/// NUL-terminated copies of some strings in one allocation, alive as long as this object: what a C
/// program would hand SQLite with SQLITE_STATIC.
final class CStrings {
    private let storage: UnsafeMutablePointer<CChar>
    let pointers: [UnsafePointer<CChar>]

    init(_ texts: [String]) {
        let total = texts.reduce(0) { $0 + $1.utf8.count + 1 }
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(total, 1))
        self.storage = storage
        var pointers: [UnsafePointer<CChar>] = []
        pointers.reserveCapacity(texts.count)
        var offset = 0
        for text in texts {
            let bytes = Array(text.utf8CString)
            bytes.withUnsafeBufferPointer { (storage + offset).initialize(from: $0.baseAddress!, count: $0.count) }
            pointers.append(UnsafePointer(storage + offset))
            offset += bytes.count
        }
        self.pointers = pointers
    }

    deinit { storage.deallocate() }
}

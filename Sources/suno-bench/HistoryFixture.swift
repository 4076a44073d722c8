import CSQLite
import Foundation
import SunoExporterCore
import SunoStore

/// Builds exporter databases quickly: the schema from `TaskStore` (so it is the real one), the
/// bulk rows with direct SQL in one transaction.
enum HistoryFixture {
    /// The models the fixtures admit: with `unknown`, 41 model labels × 2 actions give about
    /// 10k series (1 MB of text) in the catalogue.
    static let models = (1...40).map { String(format: "chirp-bench-%02d", $0) }

    /// A database at `path` with `finishedTasks` finished tasks in history (one history row each,
    /// spread over the last 30 days), the fixture's models admitted with the same persisted
    /// counters and histograms whatever the history size, and `activePerModel` watched tasks per
    /// model so the queue gauges have values.
    static func create(path: String, finishedTasks: Int, activePerModel: Int = 2, now: Double) throws {
        let store = try TaskStore(path: path)
        try store.commit(seriesCommit(now: now))
        var registrations: [Registration] = []
        for model in models {
            for index in 0..<activePerModel {
                registrations.append(Registration(id: "active-\(model)-\(index)", action: .music, model: model))
            }
        }
        try store.register(registrations, source: "api", now: now - 120)
        try insertHistory(path: path, finishedTasks: finishedTasks, now: now)
    }

    /// Persisted aggregates for every model: a day of finishes, failures, queue waits and first audio.
    static func seriesCommit(now: Double) -> BatchTransition {
        var commit = BatchTransition()
        commit.newModels = models
        var seed: UInt64 = 0x5EED
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for model in models {
            for action in TaskAction.allCases {
                for _ in 0..<40 {
                    let seconds = Double(20 + next() % 400)
                    let failed = next() % 10 == 0
                    commit.deltas.record(
                        .finished(
                            outcome: failed ? .failure : .success, seconds: seconds,
                            reason: failed ? FailureReason.allCases[Int(next() % 6)] : nil),
                        action: action, model: model, taskID: "fixture", now: now)
                    commit.deltas.record(
                        .queueWait(seconds: Double(next() % 60)), action: action, model: model, taskID: "fixture",
                        now: now)
                    commit.deltas.record(
                        .firstAudio(seconds: Double(10 + next() % 90)), action: action, model: model, taskID: "fixture",
                        now: now)
                }
                for minute in stride(from: 0, to: 1_440, by: 10) {
                    let key = FinishMinute(minute: Int64(now / 60) - Int64(minute), action: action, model: model)
                    commit.finishMinutes[key] = FinishCounts(finished: 3, failures: Int(next() % 2))
                }
            }
        }
        return commit
    }

    /// `count` finished MUSIC tasks with one terminal history row each, ids in ascending order (so
    /// every index grows at its end) and finish times spread over 30 days before `now`.
    static func insertHistory(path: String, finishedTasks count: Int, now: Double) throws {
        guard count > 0 else { return }
        var db: OpaquePointer?
        guard unsafe sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw BenchError("open \(path)")
        }
        defer { unsafe sqlite3_close_v2(db) }
        func exec(_ sql: String) throws {
            guard unsafe sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
                throw BenchError(unsafe "\(sql.prefix(40)): \(String(cString: sqlite3_errmsg(db)))")
            }
        }
        try exec("PRAGMA synchronous = OFF")
        var task: OpaquePointer?
        var history: OpaquePointer?
        defer {
            unsafe sqlite3_finalize(task)
            unsafe sqlite3_finalize(history)
        }
        guard
            unsafe sqlite3_prepare_v2(
                db,
                """
                INSERT INTO tasks (id, action, registered_model, clip_model, model, labels, status, progress, fail_reason,
                    submit_time, start_time, finish_time, first_seen, last_polled, first_returned, poll_count, outcome,
                    finished_at, queue_wait_observed, first_audio_observed, source)
                VALUES (?1, 'MUSIC', ?2, ?2, ?2, '{}', ?3, '100%', ?4, ?5, ?6, ?7, ?8, ?10, ?8, 9, ?9, ?10, 1, 1, 'api')
                """, -1, &task, nil) == SQLITE_OK,
            unsafe sqlite3_prepare_v2(
                db,
                "INSERT INTO task_history (task, observed_at, status, progress, fail_reason) VALUES (?1, ?2, ?3, '100%', ?4)",
                -1, &history, nil) == SQLITE_OK
        else { throw BenchError(unsafe "prepare: \(String(cString: sqlite3_errmsg(db)))") }
        let constants = CStrings(
            models + ["SUCCESS", "FAILURE", "", "Unable to generate audio for this request.", "success", "failure"])
        let modelText = unsafe Array(constants.pointers[0..<models.count])
        let (successText, failureText, empty, reasonText, successOutcome, failureOutcome) = unsafe (
            constants.pointers[models.count], constants.pointers[models.count + 1],
            constants.pointers[models.count + 2],
            constants.pointers[models.count + 3], constants.pointers[models.count + 4],
            constants.pointers[models.count + 5]
        )
        let span = 30 * 86_400.0
        try exec("BEGIN")
        for index in 0..<count {
            let finish = now - span + span * Double(index) / Double(count)
            let failed = index % 12 == 0
            let status = unsafe failed ? failureText : successText
            let reason = unsafe failed ? reasonText : empty
            let digits = String(index)
            let id = "hist-" + String(repeating: "0", count: max(0, 9 - digits.count)) + digits
            _ = unsafe id.withCString { id in unsafe sqlite3_bind_text(task, 1, id, -1, csqlite_transient()) }
            unsafe sqlite3_bind_text(task, 2, modelText[index % modelText.count], -1, nil)
            unsafe sqlite3_bind_text(task, 3, status, -1, nil)
            unsafe sqlite3_bind_text(task, 4, reason, -1, nil)
            unsafe sqlite3_bind_int64(task, 5, Int64(finish - 150))
            unsafe sqlite3_bind_int64(task, 6, Int64(finish - 120))
            unsafe sqlite3_bind_int64(task, 7, Int64(finish))
            unsafe sqlite3_bind_double(task, 10, finish)
            unsafe sqlite3_bind_double(task, 8, finish - 150)
            unsafe sqlite3_bind_text(task, 9, failed ? failureOutcome : successOutcome, -1, nil)
            guard unsafe sqlite3_step(task) == SQLITE_DONE else {
                throw BenchError(unsafe "insert: \(String(cString: sqlite3_errmsg(db)))")
            }
            // The history row points at the task's `seq`, the rowid just inserted.
            unsafe sqlite3_bind_int64(history, 1, sqlite3_last_insert_rowid(db))
            unsafe sqlite3_bind_double(history, 2, finish)
            unsafe sqlite3_bind_text(history, 3, status, -1, nil)
            unsafe sqlite3_bind_text(history, 4, reason, -1, nil)
            guard unsafe sqlite3_step(history) == SQLITE_DONE else {
                throw BenchError(unsafe "insert: \(String(cString: sqlite3_errmsg(db)))")
            }
            unsafe sqlite3_reset(task)
            unsafe sqlite3_reset(history)
        }
        try exec("COMMIT")
        try exec("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}

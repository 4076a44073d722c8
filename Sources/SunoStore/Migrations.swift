/// Versioned schema changes, applied in order inside one transaction each.
/// `PRAGMA user_version` records how many have run; never edit a released migration, append one.
enum Migrations {
    static let all: [String] = [
        // 1: watch list, status history, persisted aggregates, failure-ratio rollup, admitted models.
        """
        CREATE TABLE tasks (
            id TEXT PRIMARY KEY,
            action TEXT NOT NULL,
            registered_model TEXT,
            clip_model TEXT,
            model TEXT NOT NULL,
            labels TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            progress TEXT NOT NULL DEFAULT '',
            fail_reason TEXT NOT NULL DEFAULT '',
            submit_time INTEGER NOT NULL DEFAULT 0,
            start_time INTEGER NOT NULL DEFAULT 0,
            finish_time INTEGER NOT NULL DEFAULT 0,
            first_seen REAL NOT NULL,
            last_polled REAL,
            first_returned REAL,
            poll_count INTEGER NOT NULL DEFAULT 0,
            outcome TEXT,
            finished_at REAL,
            queue_wait_observed INTEGER NOT NULL DEFAULT 0,
            first_audio_observed INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL
        ) STRICT;
        CREATE INDEX tasks_active ON tasks(action, id) WHERE outcome IS NULL;
        CREATE INDEX tasks_finished_at ON tasks(finished_at) WHERE outcome IS NOT NULL;
        CREATE TABLE task_history (
            task_id TEXT NOT NULL,
            observed_at REAL NOT NULL,
            status TEXT NOT NULL,
            progress TEXT NOT NULL,
            fail_reason TEXT NOT NULL
        ) STRICT;
        CREATE INDEX task_history_task ON task_history(task_id, observed_at);
        CREATE TABLE aggregates (
            kind TEXT NOT NULL,
            action TEXT NOT NULL,
            model TEXT NOT NULL,
            label TEXT NOT NULL,
            slot INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (kind, action, model, label, slot)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE finish_minutes (
            minute INTEGER NOT NULL,
            action TEXT NOT NULL,
            model TEXT NOT NULL,
            finished INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            PRIMARY KEY (minute, action, model)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE models (
            position INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        ) STRICT;
        """,
        // 2: tasks get a stable integer key (`seq`, never reused), history rows point at it, and the
        // watch list is polled in `seq` order. A batch then rewrites neighbouring rows and appends
        // neighbouring history index entries: about 10 pages a batch instead of one page per task
        // (the changed-cycle SQLite cost fell 3.6× in C-level measurements).
        """
        CREATE TABLE tasks_v2 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            action TEXT NOT NULL,
            registered_model TEXT,
            clip_model TEXT,
            model TEXT NOT NULL,
            labels TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            progress TEXT NOT NULL DEFAULT '',
            fail_reason TEXT NOT NULL DEFAULT '',
            submit_time INTEGER NOT NULL DEFAULT 0,
            start_time INTEGER NOT NULL DEFAULT 0,
            finish_time INTEGER NOT NULL DEFAULT 0,
            first_seen REAL NOT NULL,
            last_polled REAL,
            first_returned REAL,
            poll_count INTEGER NOT NULL DEFAULT 0,
            outcome TEXT,
            finished_at REAL,
            queue_wait_observed INTEGER NOT NULL DEFAULT 0,
            first_audio_observed INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL
        ) STRICT;
        INSERT INTO tasks_v2 (seq, id, action, registered_model, clip_model, model, labels, status, progress,
            fail_reason, submit_time, start_time, finish_time, first_seen, last_polled, first_returned, poll_count,
            outcome, finished_at, queue_wait_observed, first_audio_observed, source)
        SELECT rowid, id, action, registered_model, clip_model, model, labels, status, progress, fail_reason,
            submit_time, start_time, finish_time, first_seen, last_polled, first_returned, poll_count, outcome,
            finished_at, queue_wait_observed, first_audio_observed, source
        FROM tasks ORDER BY rowid;
        CREATE TABLE task_history_v2 (
            task INTEGER NOT NULL,
            observed_at REAL NOT NULL,
            status TEXT NOT NULL,
            progress TEXT NOT NULL,
            fail_reason TEXT NOT NULL
        ) STRICT;
        INSERT INTO task_history_v2 (task, observed_at, status, progress, fail_reason)
        SELECT tasks.rowid, h.observed_at, h.status, h.progress, h.fail_reason
        FROM task_history AS h JOIN tasks ON tasks.id = h.task_id ORDER BY h.rowid;
        DROP TABLE task_history;
        DROP TABLE tasks;
        ALTER TABLE tasks_v2 RENAME TO tasks;
        ALTER TABLE task_history_v2 RENAME TO task_history;
        CREATE INDEX tasks_active ON tasks(action) WHERE outcome IS NULL;
        CREATE INDEX tasks_finished_at ON tasks(finished_at) WHERE outcome IS NOT NULL;
        CREATE INDEX task_history_task ON task_history(task, observed_at);
        """,
        // 3: the API lists the newest registrations first without sorting the whole watch list, and
        // the store can check that a write still finds room (`TaskStore.probeWrite`).
        """
        CREATE INDEX tasks_newest ON tasks(first_seen DESC, id);
        CREATE TABLE store_probe (data BLOB NOT NULL) STRICT;
        """,
    ]

    /// Applies the missing migrations one transaction each. The version is read inside the write
    /// transaction (BEGIN IMMEDIATE), so two processes opening a fresh file at once (the server and
    /// `tasks add`) cannot both apply the same migration: the second waits, then sees it done.
    ///
    /// With `upgrading` false only a fresh file (version 0) is set up: an older schema is refused,
    /// so a newer `tasks` CLI never changes the file under an older server still running on it.
    /// Returns whether an existing file was upgraded.
    @discardableResult
    static func migrate(_ db: SQLiteConnection, upgrading: Bool = true) throws -> Bool {
        var upgraded = false
        var creating = false
        while true {
            let finished = try db.transaction { () throws -> Bool in
                let version = try currentVersion(db)
                guard version <= all.count else {
                    throw SchemaMismatch(found: version, supported: all.count)
                }
                guard version < all.count else { return true }
                if version == 0 { creating = true }
                guard upgrading || creating else {
                    throw SchemaMismatch(found: version, supported: all.count)
                }
                if !creating { upgraded = true }
                try db.execute(all[version])
                try db.execute("PRAGMA user_version = \(version + 1)")
                return false
            }
            if finished { return upgraded }
        }
    }

    static func currentVersion(_ db: SQLiteConnection) throws -> Int {
        let statement = try db.statement("PRAGMA user_version")
        var version = 0
        try statement.forEachRow { version = Int($0.int(0)) }
        return version
    }
}

/// The file's schema version is one this exporter does not run on (newer, or older for the CLI).
struct SchemaMismatch: Error {
    var found: Int
    var supported: Int
}

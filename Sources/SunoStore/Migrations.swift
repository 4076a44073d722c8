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
        """
    ]

    /// Applies the missing migrations one transaction each. The version is read inside the write
    /// transaction (BEGIN IMMEDIATE), so two processes opening a fresh file at once (the server and
    /// `tasks add`) cannot both apply the same migration: the second waits, then sees it done.
    static func migrate(_ db: SQLiteConnection) throws {
        while true {
            let finished = try db.transaction { () throws -> Bool in
                let version = try currentVersion(db)
                guard version <= all.count else {
                    throw SQLiteError(
                        code: 0,
                        message: "database schema version \(version) is newer than this exporter (\(all.count))",
                        sql: nil)
                }
                guard version < all.count else { return true }
                try db.execute(all[version])
                try db.execute("PRAGMA user_version = \(version + 1)")
                return false
            }
            if finished { return }
        }
    }

    static func currentVersion(_ db: SQLiteConnection) throws -> Int {
        let statement = try db.statement("PRAGMA user_version")
        var version = 0
        try statement.forEachRow { version = Int($0.int(0)) }
        return version
    }
}

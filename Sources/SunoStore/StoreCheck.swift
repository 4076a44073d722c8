/// Checks made once when the store opens, so a damaged file, a file the exporter may not write
/// or a full disk is reported at start-up with what to do, rather than as failing batches later.
/// (SQLite itself refuses a file shorter than its header says, at the first statement.)
enum StoreCheck {
    static let tables = ["tasks", "task_history", "aggregates", "finish_minutes", "models", "store_probe"]

    /// `writing`: also a write that needs room, so a read-only file (which SQLite opens read-only
    /// without a word) or a full disk fails here (the server; the `tasks` CLI may list a read-only copy).
    static func verify(_ db: SQLiteConnection, writing: Bool) throws {
        // The first rows of every table: a damaged schema or root page fails here.
        for table in tables {
            try db.statement("SELECT * FROM \(table) LIMIT 1").forEachRow { _ in }
        }
        if writing { try probe(db) }
    }

    /// Inserts and deletes a blob of `bytes` in one committed transaction: it needs that much room
    /// in the file and on the disk, and changes nothing.
    static func probe(_ db: SQLiteConnection, bytes: Int = 16 * 1_024) throws {
        try db.transaction {
            try db.statement("INSERT INTO store_probe (data) VALUES (zeroblob(?1))").bind(1, bytes).run()
            try db.statement("DELETE FROM store_probe").run()
        }
    }
}

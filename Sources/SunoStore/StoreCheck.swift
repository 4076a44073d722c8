import Foundation

/// Checks made once when the store opens, so a damaged file is reported at start-up with what to
/// do, rather than as failing batches later.
enum StoreCheck {
    static let tables = ["tasks", "task_history", "aggregates", "finish_minutes", "models", "store_probe"]

    static func verify(_ db: SQLiteConnection, path: String) throws {
        // The first rows of every table: a damaged schema or root page fails here.
        for table in tables {
            try db.statement("SELECT * FROM \(table) LIMIT 1").forEachRow { _ in }
        }
        // A file cut short: its header counts more pages than it holds. (Only without a WAL, whose
        // frames may hold pages the file itself does not have yet.)
        var pages: Int64 = 0
        var pageSize: Int64 = 0
        try db.statement("PRAGMA page_count").forEachRow { pages = $0.int(0) }
        try db.statement("PRAGMA page_size").forEachRow { pageSize = $0.int(0) }
        let bytes = fileSize(path)
        if fileSize(path + "-wal") == 0, bytes < pages * pageSize {
            throw StoreOpenError(path: path, problem: .truncated(bytes: bytes, expected: pages * pageSize))
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

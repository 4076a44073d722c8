import SunoExporterCore

/// Rows read for a batch: their `seq` and their tasks, side by side (the tasks go to the
/// transition as they are, without a copy).
struct LoadedRows {
    var rowids: [Int64] = []
    var tasks: [TrackedTask] = []

    init(capacity: Int) {
        rowids.reserveCapacity(capacity)
        tasks.reserveCapacity(capacity)
    }

    mutating func append(_ rowid: Int64, _ task: TrackedTask) {
        rowids.append(rowid)
        tasks.append(task)
    }

    func rowidsByID() -> [String: Int64] {
        var byID: [String: Int64] = [:]
        byID.reserveCapacity(tasks.count)
        for (rowid, task) in zip(rowids, tasks) { byID[task.id] = rowid }
        return byID
    }
}

// Task rows read by id or by `seq`, shared by the writes and the task API.
extension TaskStore {
    /// A row as callers see it: the stored values plus the polls counted in memory.
    static func decode(_ row: Statement, _ polls: PollTable) -> TrackedTask {
        var task = TaskRow.decode(row)
        polls[TaskRow.rowid(row)]?.overlay(&task)
        return task
    }

    /// The rows of `ids` (each once, unknown ids skipped), read with one statement per
    /// `maxIDsPerStatement` ids rather than one per id.
    static func rows(ids: [String], _ db: SQLiteConnection, _ polls: PollTable) throws -> LoadedRows {
        var rows = LoadedRows(capacity: ids.count)
        try readRows(whose: "id", in: ids, into: &rows, db, polls) { $0.bind($1, $2) }
        return rows
    }

    /// The rows of `rowids` that still exist.
    static func rows(rowids: [Int64], _ db: SQLiteConnection, _ polls: PollTable) throws -> LoadedRows {
        var rows = LoadedRows(capacity: rowids.count)
        // A batch is usually a run of neighbouring rows (the watch list is polled in `seq` order):
        // one range scan then reads them without the sorted temporary index and the one seek per
        // row that `IN (…)` costs. Rows in the range that were not asked for are skipped unread.
        if let first = rowids.min(), let last = rowids.max(), last - first < 2 * Int64(rowids.count) {
            let wanted = Set(rowids)
            let select = try db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE seq BETWEEN ?1 AND ?2")
            try select.bind(1, first).bind(2, last).forEachRow { row in
                let rowid = TaskRow.rowid(row)
                if wanted.contains(rowid) { rows.append(rowid, decode(row, polls)) }
            }
            return rows
        }
        try readRows(whose: "seq", in: rowids, into: &rows, db, polls) { $0.bind($1, $2) }
        return rows
    }

    /// Appends the rows whose `column` is one of `keys`, one `IN (…)` statement per chunk of keys.
    private static func readRows<Key>(
        whose column: String, in keys: [Key], into rows: inout LoadedRows, _ db: SQLiteConnection,
        _ polls: PollTable, bind: (Statement, Int32, Key) -> Void
    ) throws {
        try forEachChunk(of: keys) { chunk in
            let select = try db.statement(
                "SELECT \(TaskRow.columns) FROM tasks WHERE \(column) IN (\(placeholders(chunk.count)))")
            for (offset, key) in chunk.enumerated() { bind(select, Int32(offset + 1), key) }
            try select.forEachRow { rows.append(TaskRow.rowid($0), decode($0, polls)) }
        }
    }

    /// The `seq` of each known id.
    static func rowids(ids: [String], _ db: SQLiteConnection) throws -> [String: Int64] {
        var rowids: [String: Int64] = [:]
        try forEachChunk(of: ids) { chunk in
            let select = try db.statement("SELECT id, seq FROM tasks WHERE id IN (\(placeholders(chunk.count)))")
            for (offset, id) in chunk.enumerated() { select.bind(Int32(offset + 1), id) }
            try select.forEachRow { rowids[$0.string(0) ?? ""] = $0.int(1) }
        }
        return rowids
    }

    /// Ids bound into one `IN (…)` list at most: far below SQLite's limit of 32766 variables, and
    /// large enough that a collector batch (≤ 100 ids) is one statement.
    static let maxIDsPerStatement = 512

    static func forEachChunk<T>(of ids: [T], _ body: (ArraySlice<T>) throws -> Void) throws {
        var start = 0
        while start < ids.count {
            let end = min(start + maxIDsPerStatement, ids.count)
            try body(ids[start..<end])
            start = end
        }
    }

    /// "?first, ?first+1, …" for `count` parameters, rounded up to a power of two: the parameters
    /// left unbound are NULL, which `IN` never matches, and the connection caches a handful of
    /// statements instead of one per list length.
    static func placeholders(_ count: Int, from first: Int = 1) -> String {
        var slots = 1
        while slots < count { slots *= 2 }
        // Made once per list length (the collector asks for the same one for every batch).
        if first == 1, let index = Self.placeholderLists.indices.first(where: { 1 << $0 == slots }) {
            return Self.placeholderLists[index]
        }
        return (first..<(first + slots)).map { "?\($0)" }.joined(separator: ", ")
    }

    /// "?1, …, ?n" for n = 1, 2, 4, … up to `maxIDsPerStatement`.
    private static let placeholderLists: [String] = {
        var lists: [String] = []
        var slots = 1
        while slots <= maxIDsPerStatement {
            lists.append((1...slots).map { "?\($0)" }.joined(separator: ", "))
            slots *= 2
        }
        return lists
    }()
}

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

    mutating func append(_ row: Statement) {
        rowids.append(TaskRow.rowid(row))
        tasks.append(TaskRow.decode(row))
    }

    func rowidsByID() -> [String: Int64] {
        var byID: [String: Int64] = [:]
        byID.reserveCapacity(tasks.count)
        for (rowid, task) in zip(rowids, tasks) { byID[task.id] = rowid }
        return byID
    }
}

// Task rows read by id, by `seq` or by a query, shared by the writes and the task API. Rows come
// as callers see them: the stored values brought up to the polls counted in memory.
extension TaskStore {
    /// Brings rows read from the file up to the polls counted in memory (one lock for all).
    func overlayPolls(_ rows: inout LoadedRows) {
        polls.withLock { polls in
            for index in rows.tasks.indices { polls[rows.rowids[index]]?.overlay(&rows.tasks[index]) }
        }
    }

    /// The rows a query selecting `TaskRow.columns` returns.
    func loadRows(_ select: Statement, capacity: Int = 0) throws -> LoadedRows {
        var rows = LoadedRows(capacity: capacity)
        try select.forEachRow { rows.append($0) }
        overlayPolls(&rows)
        return rows
    }

    /// The rows of `ids` (each once, unknown ids skipped), read with one statement per
    /// `maxIDsPerStatement` ids rather than one per id.
    func loadRows(ids: [String], _ db: SQLiteConnection) throws -> LoadedRows {
        var rows = LoadedRows(capacity: ids.count)
        try Self.readRows(whose: "id", in: ids, into: &rows, db) { $0.bind($1, $2) }
        overlayPolls(&rows)
        return rows
    }

    /// The rows of `rowids` that still exist.
    func loadRows(rowids: [Int64], _ db: SQLiteConnection) throws -> LoadedRows {
        var rows = LoadedRows(capacity: rowids.count)
        // A batch is usually a run of neighbouring rows (the watch list is polled in `seq` order):
        // one range scan then reads them without the sorted temporary index and the one seek per
        // row that `IN (…)` costs. Rows in the range that were not asked for are skipped undecoded.
        if let first = rowids.min(), let last = rowids.max(), last - first < 2 * Int64(rowids.count) {
            let wanted = Set(rowids)
            let select = try db.statement("SELECT \(TaskRow.columns) FROM tasks WHERE seq BETWEEN ?1 AND ?2")
            try select.bind(1, first).bind(2, last).forEachRow { row in
                if wanted.contains(TaskRow.rowid(row)) { rows.append(row) }
            }
        } else {
            try Self.readRows(whose: "seq", in: rowids, into: &rows, db) { $0.bind($1, $2) }
        }
        overlayPolls(&rows)
        return rows
    }

    /// Appends the rows whose `column` is one of `keys`, one `IN (…)` statement per chunk of keys.
    private static func readRows<Key>(
        whose column: String, in keys: [Key], into rows: inout LoadedRows, _ db: SQLiteConnection,
        bind: (Statement, Int32, Key) -> Void
    ) throws {
        try forEachChunk(of: keys) { chunk in
            let select = try db.statement(
                "SELECT \(TaskRow.columns) FROM tasks WHERE \(column) IN (\(placeholders(chunk.count)))")
            for (offset, key) in chunk.enumerated() { bind(select, Int32(offset + 1), key) }
            try select.forEachRow { rows.append($0) }
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

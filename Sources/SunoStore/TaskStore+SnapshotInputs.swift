import Foundation
import SunoExporterCore

// What a metrics snapshot is built from. Cheap: O(series), never O(history).
extension TaskStore {
    /// Every persisted aggregate cell.
    public func aggregates() throws -> [AggregateCell: Double] {
        try read(.snapshot) { db in
            var cells: [AggregateCell: Double] = [:]
            try db.statement("SELECT kind, action, model, label, slot, value FROM aggregates").forEachRow { row in
                guard let kind = AggregateCell.Kind(rawValue: row.string(0) ?? "") else { return }
                let cell = AggregateCell(
                    kind: kind, action: row.string(1) ?? "", model: row.string(2) ?? "", label: row.string(3) ?? "",
                    slot: Int(row.int(4)))
                cells[cell] = row.double(5)
            }
            return cells
        }
    }

    /// Models admitted to the label set, in admission order.
    public func admittedModels() throws -> [String] {
        try read(.snapshot) { db in
            var names: [String] = []
            try db.statement("SELECT name FROM models ORDER BY position").forEachRow {
                names.append($0.string(0) ?? "")
            }
            return names
        }
    }

    /// Non-finished tasks grouped by action, model and status class, with stuck counts.
    public func activeGroups(now: Double, policy: LifecyclePolicy) throws -> [ActiveGroup] {
        try read(.snapshot) { db in
            let select = try db.statement(
                """
                SELECT action, model, status, COUNT(*),
                    SUM(CASE WHEN ?1 - (CASE WHEN submit_time > 0 THEN submit_time ELSE first_seen END)
                        > (CASE action WHEN 'LYRICS' THEN ?3 ELSE ?2 END) THEN 1 ELSE 0 END),
                    MIN(CASE WHEN submit_time > 0 THEN submit_time ELSE first_seen END)
                FROM tasks WHERE outcome IS NULL GROUP BY action, model, status
                """)
            select.bind(1, now).bind(2, policy.stuckThreshold(for: .music)).bind(3, policy.stuckThreshold(for: .lyrics))
            var merged: [String: ActiveGroup] = [:]
            try select.forEachRow { row in
                guard let action = TaskAction(rawValue: row.string(0) ?? "") else { return }
                let model = row.string(1) ?? ModelName.unknown
                let status = TaskStatus(upstream: row.string(2) ?? "")
                let key = "\(action.rawValue)\u{0}\(model)\u{0}\(status.rawValue)"
                var group =
                    merged[key]
                    ?? ActiveGroup(
                        action: action, model: model, status: status, count: 0, stuck: 0, oldestSubmit: .infinity)
                group.count += Int(row.int(3))
                group.stuck += Int(row.int(4))
                group.oldestSubmit = min(group.oldestSubmit, row.double(5))
                merged[key] = group
            }
            return Array(merged.values)
        }
    }

    /// Failures and finishes since `since` per action and model label, from the per-minute rollup
    /// (at most 1440 minutes × labels rows, whatever the history holds).
    public func finishCounts(since: Double, window: String) throws -> [FailureWindow] {
        try read(.snapshot) { db in
            let select = try db.statement(
                """
                SELECT action, model, SUM(failures), SUM(finished) FROM finish_minutes
                WHERE minute >= ?1 GROUP BY action, model
                """)
            select.bind(1, FinishMinute.minute(of: since))
            var windows: [FailureWindow] = []
            try select.forEachRow { row in
                windows.append(
                    FailureWindow(
                        name: window, action: row.string(0) ?? "", model: row.string(1) ?? "",
                        failures: Int(row.int(2)), finished: Int(row.int(3))))
            }
            return windows
        }
    }

    /// Bytes on disk: the database file plus its WAL.
    public func sizeBytes() -> Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)??.int64Value ?? 0
            return total + size
        }
    }
}

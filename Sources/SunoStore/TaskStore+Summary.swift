import SunoExporterCore

/// What the landing page shows about the watch list.
public struct WatchListSummary: Sendable, Equatable {
    /// Watched (non-finished) tasks by status class; statuses the gateway never named are folded
    /// into `UNKNOWN`, as in `suno_tasks`. Every non-terminal status is present, zeros included.
    public var active: [TaskStatus: Int]
    /// Watched tasks past their action's stuck threshold.
    public var stuck: Int
    /// The oldest stuck tasks, oldest first, at most the limit asked for.
    public var stuckTasks: [StuckTask]
    /// Tasks finished since the store was created, by outcome (the persisted counters, so pruning
    /// and forgetting never lower them).
    public var finishedTotal: [TaskOutcome: Int]

    public init(active: [TaskStatus: Int], stuck: Int, stuckTasks: [StuckTask], finishedTotal: [TaskOutcome: Int]) {
        self.active = active
        self.stuck = stuck
        self.stuckTasks = stuckTasks
        self.finishedTotal = finishedTotal
    }

    public var activeTotal: Int { active.values.reduce(0, +) }
}

/// One stuck task as the landing page lists it.
public struct StuckTask: Sendable, Equatable {
    public var id: String
    public var action: TaskAction
    public var model: String
    /// The gateway status verbatim.
    public var status: String
    /// Gateway submit time, or the registration time when the gateway gave none (Unix seconds).
    public var since: Double

    public init(id: String, action: TaskAction, model: String, status: String, since: Double) {
        self.id = id
        self.action = action
        self.model = model
        self.status = status
        self.since = since
    }
}

extension TaskStore {
    /// Counts by status, the oldest stuck tasks and the finished totals, under one lock.
    ///
    /// Cheap at any history size: the two `tasks` queries scan only unfinished rows through the
    /// partial index `tasks_active`, and the totals are a primary-key range of `aggregates`.
    public func watchListSummary(now: Double, policy: LifecyclePolicy, stuckLimit: Int = 25) throws -> WatchListSummary
    {
        let since = "(CASE WHEN submit_time > 0 THEN submit_time ELSE first_seen END)"
        let isStuck = "?1 - \(since) > (CASE action WHEN 'LYRICS' THEN ?3 ELSE ?2 END)"
        let music = policy.stuckThreshold(for: .music)
        let lyrics = policy.stuckThreshold(for: .lyrics)
        return try read { db in
            var active = Dictionary(uniqueKeysWithValues: TaskStatus.nonTerminal.map { ($0, 0) })
            var stuck = 0
            let counts = try db.statement(
                """
                SELECT status, COUNT(*), SUM(CASE WHEN \(isStuck) THEN 1 ELSE 0 END)
                FROM tasks WHERE outcome IS NULL GROUP BY status
                """)
            counts.bind(1, now).bind(2, music).bind(3, lyrics)
            try counts.forEachRow { row in
                var status = TaskStatus(upstream: row.string(0) ?? "")
                // A terminal status without an outcome is momentary (decided in the same commit); count it as unknown.
                if status.isTerminal { status = .unknown }
                active[status, default: 0] += Int(row.int(1))
                stuck += Int(row.int(2))
            }

            var stuckTasks: [StuckTask] = []
            let oldest = try db.statement(
                """
                SELECT id, action, model, status, \(since) AS since FROM tasks
                WHERE outcome IS NULL AND \(isStuck) ORDER BY since, id LIMIT ?4
                """)
            oldest.bind(1, now).bind(2, music).bind(3, lyrics).bind(4, max(0, stuckLimit))
            try oldest.forEachRow { row in
                stuckTasks.append(
                    StuckTask(
                        id: row.string(0) ?? "", action: TaskAction(rawValue: row.string(1) ?? "") ?? .music,
                        model: row.string(2) ?? ModelName.unknown, status: row.string(3) ?? "", since: row.double(4)))
            }

            var finished: [TaskOutcome: Int] = Dictionary(uniqueKeysWithValues: TaskOutcome.allCases.map { ($0, 0) })
            let totals = try db.statement(
                "SELECT label, SUM(value) FROM aggregates WHERE kind = ?1 AND slot = ?2 GROUP BY label")
            totals.bind(1, AggregateCell.Kind.finished.rawValue).bind(2, AggregateCell.counterSlot)
            try totals.forEachRow { row in
                guard let outcome = TaskOutcome(rawValue: row.string(0) ?? "") else { return }
                finished[outcome, default: 0] += Int(row.double(1))
            }
            return WatchListSummary(active: active, stuck: stuck, stuckTasks: stuckTasks, finishedTotal: finished)
        }
    }
}

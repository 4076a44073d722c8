import SunoExporterCore

/// The task shape of DESIGN.md §4, member for member:
/// `{"id", "action", "model", "status", "progress", "fail_reason", "submit_time", "start_time",
/// "finish_time", "outcome", "labels", "first_seen", "last_polled"}`.
///
/// Gateway times (`*_time`) are the gateway's integers, Unix seconds, 0 = unset; `first_seen` and
/// `last_polled` are the exporter's clock (Unix seconds with a fraction; `last_polled` null until the
/// first poll). `status` is the gateway's string verbatim; `outcome` is null until the task ended;
/// `fail_reason` is the raw gateway text.
enum TaskJSON {
    static func task(_ task: TrackedTask) -> JSONValue {
        .object(members(task))
    }

    /// The task plus `"history": [{"status", "progress", "observed_at", "fail_reason"}]`, oldest first.
    static func detail(_ task: TrackedTask, history: [HistoryEntry]) -> JSONValue {
        .object(members(task) + [JSONValue.Member(name: "history", value: .array(history.map(entry)))])
    }

    static func entry(_ entry: HistoryEntry) -> JSONValue {
        .object([
            "status": .string(entry.status), "progress": .string(entry.progress),
            "observed_at": .double(entry.observedAt), "fail_reason": .string(entry.failReason),
        ])
    }

    private static func members(_ task: TrackedTask) -> [JSONValue.Member] {
        let labels = task.labels.keys.sorted().map { JSONValue.Member(name: $0, value: .string(task.labels[$0] ?? "")) }
        return JSONValue.members([
            "id": .string(task.id), "action": .string(task.action.rawValue), "model": .string(task.model),
            "status": .string(task.status), "progress": .string(task.progress), "fail_reason": .string(task.failReason),
            "submit_time": .int(task.submitTime), "start_time": .int(task.startTime),
            "finish_time": .int(task.finishTime),
            "outcome": .optional(task.outcome?.rawValue), "labels": .object(labels),
            "first_seen": .double(task.firstSeen),
            "last_polled": .optional(task.lastPolled),
        ])
    }
}

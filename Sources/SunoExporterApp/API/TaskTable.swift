import Foundation
import SunoExporterCore

/// Plain-text views of tasks for the CLI: an aligned table, and one task with its history.
public enum TaskTable {
    public static func render(_ tasks: [TrackedTask]) -> String {
        let header = ["ID", "ACTION", "MODEL", "STATUS", "OUTCOME", "AGE", "POLLS"]
        let now = Date().timeIntervalSince1970
        let rows = tasks.map { task in
            [
                task.id, task.action.rawValue, task.model, task.status, task.outcome?.rawValue ?? "-",
                DurationParser.format(max(0, (now - task.submitReference).rounded())), "\(task.pollCount)",
            ]
        }
        return align([header] + rows)
    }

    static func align(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == columns - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    public static func detail(_ task: TrackedTask, history: [HistoryEntry]) -> String {
        func time(_ seconds: Int64) -> String { seconds == 0 ? "-" : timestamp(Double(seconds)) }
        var lines: [[String]] = [
            ["id", task.id], ["action", task.action.rawValue], ["model", task.model], ["status", task.status],
            ["progress", task.progress.isEmpty ? "-" : task.progress],
            ["fail reason", task.failReason.isEmpty ? "-" : task.failReason],
            ["outcome", task.outcome?.rawValue ?? "-"], ["submit time", time(task.submitTime)],
            ["start time", time(task.startTime)], ["finish time", time(task.finishTime)],
            ["first seen", timestamp(task.firstSeen)], ["last polled", task.lastPolled.map(timestamp) ?? "-"],
            ["polls", "\(task.pollCount)"],
        ]
        if !task.labels.isEmpty {
            lines.append([
                "labels", task.labels.keys.sorted().map { "\($0)=\(task.labels[$0]!)" }.joined(separator: ","),
            ])
        }
        var out = align(lines)
        out += "\nhistory:\n"
        out += align(
            [["OBSERVED", "STATUS", "PROGRESS", "FAIL REASON"]]
                + history.map {
                    [timestamp($0.observedAt), $0.status, $0.progress, $0.failReason.isEmpty ? "-" : $0.failReason]
                })
        return out
    }

    static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}

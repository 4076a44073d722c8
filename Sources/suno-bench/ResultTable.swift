import Foundation

/// One line of the results table: a figure, the yardstick measured beside it in the same run, their
/// ratio, and the target with its verdict.
struct ResultRow {
    var section: String
    var measure: String
    var value: String
    var yardstick: String
    var ratio: String
    var target: String
    /// nil when the row is informational (no target of its own).
    var passed: Bool?

    var verdict: String {
        switch passed {
        case .some(true): "pass"
        case .some(false): "MISS"
        case .none: ""
        }
    }
}

/// Collects rows as benchmarks finish and prints the one table (Markdown, so the README can hold it as is).
final class ResultTable {
    private(set) var rows: [ResultRow] = []

    func add(_ row: ResultRow) {
        rows.append(row)
        // Progress on stderr, so a long run shows life; the table itself goes to stdout at the end.
        let line = "  \(row.section) · \(row.measure): \(row.value) | \(row.yardstick) | \(row.ratio) \(row.verdict)\n"
        FileOutput.standardError(line)
    }

    func render() -> String {
        let header = ["section", "measure", "value", "yardstick (same run)", "ratio", "target", "verdict"]
        let cells = rows.map { [$0.section, $0.measure, $0.value, $0.yardstick, $0.ratio, $0.target, $0.verdict] }
        var widths = header.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ row: [String]) -> String {
            "| "
                + row.enumerated().map { index, cell in
                    cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }
                .joined(separator: " | ") + " |"
        }
        var text = line(header) + "\n"
        text += "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|\n"
        for row in cells { text += line(row) + "\n" }
        return text
    }
}

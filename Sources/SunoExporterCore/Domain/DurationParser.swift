/// Prometheus duration syntax: `1d12h`, `30s`, `250ms`, `10m`, `2w`, `1y` (units ms, s, m, h, d, w, y,
/// each at most once and in that descending order).
public enum DurationParser {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The longest duration accepted, about 292 years: 2^63-1 nanoseconds, the range of Go's (and so
    /// Prometheus') durations. Anything longer is refused rather than becoming infinity or overflowing
    /// where a duration is turned into milliseconds or printed.
    public static let maxSeconds = Double(Int64.max) / 1e9

    private static let units: [(suffix: String, seconds: Double)] = [
        ("y", 365 * 86_400), ("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1), ("ms", 0.001),
    ]

    /// Seconds in `text`; throws a message naming the bad input.
    public static func seconds(_ text: String) throws(ParseError) -> Double {
        let trimmed = String(text.trimmingWhitespace())
        guard !trimmed.isEmpty else { throw ParseError(description: "empty duration") }
        if trimmed == "0" { return 0 }
        var rest = Substring(trimmed)
        var total = 0.0
        var lastRank = -1
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Double(digits) else {
                throw ParseError(description: "not a duration: \"\(text)\" (use e.g. 30s, 10m, 24h, 30d)")
            }
            rest = rest.dropFirst(digits.count)
            // "ms" must win over "m": two-letter units are tried first. The rank is the table position.
            guard
                let (rank, unit) = units.enumerated().map({ ($0.offset, $0.element) })
                    .sorted(by: { $0.1.suffix.count > $1.1.suffix.count })
                    .first(where: { rest.hasPrefix($0.1.suffix) })
            else {
                throw ParseError(description: "not a duration: \"\(text)\" (missing unit: ms, s, m, h, d, w or y)")
            }
            guard rank > lastRank else {
                throw ParseError(description: "not a duration: \"\(text)\" (units must go from largest to smallest)")
            }
            lastRank = rank
            rest = rest.dropFirst(unit.suffix.count)
            total += value * unit.seconds
        }
        guard total <= maxSeconds else {
            throw ParseError(description: "not a duration: \"\(text)\" (longer than 292 years)")
        }
        return total
    }

    /// Formats seconds back in the shortest Prometheus form (`90s` → `1m30s`).
    public static func format(_ seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        var remaining = Int64((seconds * 1000).rounded())
        var out = ""
        for (suffix, unitSeconds) in units where suffix != "y" && suffix != "w" {
            let unitMillis = Int64(unitSeconds * 1000)
            if suffix == "ms" { continue }
            if remaining >= unitMillis {
                out += "\(remaining / unitMillis)\(suffix)"
                remaining %= unitMillis
            }
        }
        if remaining > 0 { out += "\(remaining)ms" }
        return out
    }
}

/// Parses `--task.stuck-after`: one duration for every action (`30s`) or a per-action list
/// (`MUSIC=10m,LYRICS=3m`); actions not listed keep their default.
public enum StuckAfterParser {
    public static func parse(_ text: String) throws(DurationParser.ParseError) -> [TaskAction: Double] {
        if !text.contains("=") {
            let seconds = try DurationParser.seconds(text)
            return Dictionary(uniqueKeysWithValues: TaskAction.allCases.map { ($0, seconds) })
        }
        var result = LifecyclePolicy.defaultStuckAfter
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2, let action = TaskAction(parsing: String(pieces[0].trimmingWhitespace())) else {
                throw DurationParser.ParseError(
                    description: "bad --task.stuck-after entry \"\(part)\" (use MUSIC=10m,LYRICS=3m or one duration)")
            }
            result[action] = try DurationParser.seconds(String(pieces[1]))
        }
        return result
    }
}

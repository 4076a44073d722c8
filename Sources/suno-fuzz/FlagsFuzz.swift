import SunoExporterApp
import SunoExporterCore

/// Command-line value parsers on any text: durations (`--collector.interval`, `--storage.retention`, …),
/// `--task.stuck-after`, `--web.listen-address` and `--shard`. Properties: no trap; an accepted duration
/// is a finite, non-negative number of seconds that the exporter can print (`DurationParser.format`, used
/// by the start-up summary and the pages) and read back; an accepted address or shard prints as text that
/// parses to the same value.
enum FlagsFuzz {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)

        if let seconds = try? DurationParser.seconds(text) { checkDuration(seconds, text) }

        if let stuckAfter = try? StuckAfterParser.parse(text) {
            for (action, seconds) in stuckAfter { checkDuration(seconds, "\(action.rawValue) in \(text)") }
        }

        if let address = try? ListenAddress(parsing: text) {
            let printed = address.description
            let again = try? ListenAddress(parsing: printed)
            FuzzCheck.require(
                again == address,
                "listen address \(FuzzCheck.quoted(text)) prints as \(FuzzCheck.quoted(printed)), "
                    + "which parses to \(again.map { FuzzCheck.quoted($0.description) } ?? "an error")")
        }

        if let shard = try? Shard(parsing: text) {
            FuzzCheck.require(
                shard.count >= 1 && (0..<shard.count).contains(shard.index), "shard \(text) out of range")
            _ = shard.owns(text)
            let again = try? Shard(parsing: "\(shard.index)/\(shard.count)")
            FuzzCheck.require(again == shard, "shard \(FuzzCheck.quoted(text)) does not print back")
        }
    }

    static func checkDuration(_ seconds: Double, _ text: String) {
        FuzzCheck.require(
            seconds.isFinite && seconds >= 0, "duration \(FuzzCheck.quoted(text)) is \(seconds) seconds")
        let printed = DurationParser.format(seconds)
        guard let again = try? DurationParser.seconds(printed) else {
            FuzzCheck.fail("duration \(FuzzCheck.quoted(text)) prints as \(printed), which does not parse")
        }
        // The printed form is whole milliseconds.
        let tolerance = 0.0005 + seconds * 1e-12
        FuzzCheck.require(
            abs(again - seconds) <= tolerance,
            "duration \(FuzzCheck.quoted(text)) = \(seconds) s prints as \(printed) = \(again) s")
    }
}

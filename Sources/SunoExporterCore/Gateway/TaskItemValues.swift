/// How the loosely typed values of a task item become `TaskObservation` fields (COMETAPI.md §10).
/// Pure functions, so each rule is tested on its own.
enum TaskItemValues {
    /// Timestamps above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
    static let millisecondsThreshold: Int64 = 100_000_000_000

    /// Unix seconds from an integer timestamp. 0 and negative values mean "unset" (0).
    static func unixSeconds(_ value: Int64) -> Int64 {
        guard value > 0 else { return 0 }
        return value > millisecondsThreshold ? value / 1000 : value
    }

    /// Unix seconds from a fractional timestamp, truncated toward zero; nil when it cannot be a time
    /// (not finite, or beyond `Int64` even as milliseconds).
    static func unixSeconds(_ value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        guard value > 0 else { return 0 }
        let seconds = value > Double(millisecondsThreshold) ? value / 1000 : value
        guard seconds < 9.0e18 else { return nil }
        return Int64(seconds)
    }

    /// Unix seconds from a timestamp sent as a string (`"1751871120"`, `"1751871120.5"`, `""`).
    /// Surrounding whitespace is ignored and an empty string means unset; nil when it is not a number.
    static func unixSeconds(text: String) -> Int64? {
        let trimmed = text.trimmingWhitespace()
        if trimmed.isEmpty { return 0 }
        if let integer = Int64(trimmed) { return unixSeconds(integer) }
        // Double(_:) would also take "inf", "nan" and hex floats; only decimal digits look like a time.
        guard trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
            let real = Double(trimmed)
        else { return nil }
        return unixSeconds(real)
    }

    /// Progress text from a number: 60 → "60%", 60.5 → "60.5%".
    static func progressText(_ value: JSONNumber) -> String {
        switch value {
        case .integer(let integer):
            return "\(integer)%"
        case .real(let real):
            if real == real.rounded(), abs(real) < 1e15 { return "\(Int64(real))%" }
            return "\(real)%"
        }
    }
}

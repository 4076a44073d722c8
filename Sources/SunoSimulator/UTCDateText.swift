/// Calendar text for Unix times in UTC, without Foundation's formatters (cheap, and the same on every host).
enum UTCDateText {
    /// Civil date and time of a Unix second.
    static func components(of unixSeconds: Int64) -> (
        year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    ) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondOfDay = unixSeconds - days * 86_400
        // Days since 1970-01-01 to a proleptic Gregorian date, counting eras of 400 years from 0000-03-01.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60)
    }

    /// `20250707071520`: Go's `20060102150405` layout, as in new-api request ids.
    static func compact(_ unixSeconds: Int64) -> String {
        let c = components(of: unixSeconds)
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2)
    }

    /// `2025-07-07T07:15:20.123Z`, as the Suno feed's `created_at`.
    static func iso8601(_ instant: Double) -> String {
        let instant = instant.sanitized(limit: 1e15)
        let seconds = Int64(instant.rounded(.down))
        let millis = Int64(((instant - Double(seconds)) * 1_000).rounded(.down))
        let c = components(of: seconds)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + "T" + pad(c.hour, 2) + ":"
            + pad(c.minute, 2) + ":" + pad(c.second, 2) + "." + pad(min(max(millis, 0), 999), 3) + "Z"
    }

    /// Zero-padded decimal.
    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

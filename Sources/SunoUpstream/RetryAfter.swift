import Foundation

/// Parses the `Retry-After` header (RFC 9110 §10.2.3): delay seconds or an HTTP date.
public enum RetryAfter {
    /// The wait a `Retry-After` value asks for, or nil when it is neither form. A date in the past
    /// gives zero. `now` should be the answer's `Date` header when it has one, so that a skewed
    /// local clock does not matter.
    public static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.allSatisfy(\.isASCIIDigit) {
            // Long digit strings saturate rather than fail: the policy caps the wait anyway.
            return .seconds(Int64(text.prefix(12)) ?? 0)
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded())) : .zero
    }
}

/// The three date formats HTTP recipients must accept (RFC 9110 §5.6.7), all in GMT:
/// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`,
/// and asctime `Sun Nov  6 08:49:37 1994`. Parsed by hand: no shared `DateFormatter`.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" || $0 == ":" }).map(String.init)
        // Every form starts with a day name, which carries no information.
        guard tokens.count >= 7, tokens[0].allSatisfy(\.isLetter) else { return nil }
        let day: Int?
        let month: Int?
        var year: Int?
        let clock: ArraySlice<String>
        if let first = Int(tokens[1]) {
            // IMF-fixdate or RFC 850: day month year hh mm ss GMT.
            guard tokens.count == 8, tokens[7].uppercased() == "GMT" else { return nil }
            day = first
            month = monthNumber(tokens[2])
            year = Int(tokens[3])
            if tokens[3].count == 2, let yy = year { year = yy < 70 ? 2000 + yy : 1900 + yy }
            clock = tokens[4...6]
        } else {
            // asctime: month day hh mm ss year.
            guard tokens.count == 7 else { return nil }
            month = monthNumber(tokens[1])
            day = Int(tokens[2])
            year = Int(tokens[6])
            clock = tokens[3...5]
        }
        let time = clock.compactMap { Int($0) }
        guard let day, let month, let year, time.count == 3,
            (1...31).contains(day), (0...23).contains(time[0]), (0...59).contains(time[1]), (0...60).contains(time[2])
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + time[0] * 3_600 + time[1] * 60 + time[2]
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

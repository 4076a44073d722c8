import SunoExporterCore
import Testing

/// Duration inputs the flags fuzz target (Sources/suno-fuzz/FlagsFuzz.swift) found broken; each failed
/// before its fix.
struct FuzzFoundDurationTests {
    /// `--storage.retention 9999999999999999999m` was accepted as 6e20 seconds, and the start-up summary
    /// then trapped converting it to milliseconds (Int64 overflow): the exporter crashed instead of
    /// refusing the flag. Durations beyond 2^63-1 ns (Go's and Prometheus' range) are now refused.
    @Test(arguments: ["9999999999999999999m", "293y", "99999999999999999999999999999999999999s", "9223372037s"])
    func tooLongIsRefusedWithAMessage(_ text: String) {
        #expect {
            try DurationParser.seconds(text)
        } throws: { error in
            (error as? DurationParser.ParseError)?.description.contains("longer than 292 years") == true
        }
    }

    @Test func longestAcceptedDurationPrintsAndParsesBack() throws {
        let seconds = try DurationParser.seconds("292y")
        #expect(seconds <= DurationParser.maxSeconds)
        #expect(try DurationParser.seconds(DurationParser.format(seconds)) == seconds)
    }

    /// `25050ms` printed as `25s50ms`, which the parser refused ("units must go from largest to
    /// smallest"): milliseconds ranked above seconds and minutes, so `1m5ms` and `1s500ms` were refused
    /// although Prometheus accepts them, and a duration the landing page shows could not be pasted back.
    @Test(arguments: [("25s50ms", 25.05), ("1m5ms", 60.005), ("1s500ms", 1.5), ("1h1m1s1ms", 3_661.001)])
    func millisecondsComeLast(_ text: String, _ seconds: Double) throws {
        #expect(abs(try DurationParser.seconds(text) - seconds) < 1e-9)
        #expect(throws: DurationParser.ParseError.self) { try DurationParser.seconds("5ms1s") }
    }

    @Test(arguments: [25.05, 60.005, 0.001, 86_400.999, 1_209_600.5])
    func printedDurationsParseBack(_ seconds: Double) throws {
        #expect(abs(try DurationParser.seconds(DurationParser.format(seconds)) - seconds) < 1e-6)
    }
}

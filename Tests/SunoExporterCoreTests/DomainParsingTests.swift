import Testing

@testable import SunoExporterCore

struct DomainParsingTests {
    @Test(arguments: [
        ("30s", 30.0), ("10m", 600), ("24h", 86_400), ("30d", 2_592_000), ("1h30m", 5_400), ("250ms", 0.25),
        ("2w", 1_209_600),
        ("0", 0),
    ])
    func durations(_ text: String, _ seconds: Double) throws {
        #expect(try DurationParser.seconds(text) == seconds)
    }

    @Test(arguments: ["", "10", "ten minutes", "5x", "30s10m", "-5s", "1.5h"])
    func badDurations(_ text: String) {
        #expect(throws: DurationParser.ParseError.self) { try DurationParser.seconds(text) }
    }

    @Test func formatsDurations() {
        #expect(DurationParser.format(5_400) == "1h30m")
        #expect(DurationParser.format(2_592_000) == "30d")
        #expect(DurationParser.format(0.25) == "250ms")
    }

    @Test func stuckAfterAcceptsOneDurationOrAList() throws {
        #expect(try StuckAfterParser.parse("30s") == [.music: 30, .lyrics: 30])
        #expect(try StuckAfterParser.parse("MUSIC=10m,LYRICS=3m") == [.music: 600, .lyrics: 180])
        #expect(try StuckAfterParser.parse("lyrics=1m") == [.music: 600, .lyrics: 60])
        #expect(throws: DurationParser.ParseError.self) { try StuckAfterParser.parse("VIDEO=1m") }
    }

    @Test(arguments: [
        ("time out", FailureReason.upstreamTimeout),
        ("任务超时（1440分钟）", .gatewayTimeout),
        ("Unable to generate audio for this request.", .generationError),
        ("Your prompt violates our content policy", .contentPolicy),
        ("获取渠道信息失败，请联系管理员，渠道ID：3", .gatewayError),
        ("请求上游地址失败", .gatewayError),
        ("", .other),
        ("¯\\_(ツ)_/¯", .other),
    ])
    func failureReasons(_ text: String, _ reason: FailureReason) {
        #expect(FailureReason(classifying: text) == reason)
    }

    @Test func statusesParseLeniently() {
        #expect(TaskStatus(upstream: "IN_PROGRESS") == .inProgress)
        #expect(TaskStatus(upstream: "in_progress") == .unknown)
        #expect(TaskStatus(upstream: "WHATEVER") == .unknown)
        #expect(TaskAction(parsing: "lyrics") == .lyrics)
        #expect(TaskAction(parsing: "VIDEO") == nil)
    }

    @Test func modelLabelerOverflowsToOther() {
        var labeler = ModelLabeler(maxModels: 2)
        #expect(labeler.label(for: "chirp-v4") == ("chirp-v4", true))
        #expect(labeler.label(for: "chirp-v4") == ("chirp-v4", false))
        #expect(labeler.label(for: "unknown") == ("unknown", false))
        #expect(labeler.label(for: "chirp-crow") == ("chirp-crow", true))
        #expect(labeler.label(for: "chirp-fenix") == ("other", false))
        let restored = ModelLabeler(maxModels: 2, admitted: labeler.admitted)
        #expect(restored.existingLabel(for: "chirp-crow") == "chirp-crow")
        #expect(restored.existingLabel(for: "chirp-fenix") == "other")
    }
}

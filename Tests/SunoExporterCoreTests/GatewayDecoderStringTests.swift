import SunoExporterCore
import Testing

/// JSON string decoding of kept values, and escaped member names.
@Suite struct GatewayDecoderStringTests {
    static func failReason(_ literal: String) throws -> String {
        let body = Array(#"{"data":[{"task_id":"s","fail_reason":"\#(literal)"}]}"#.utf8)
        return try #require(try GatewayDecoder.decodeFetchAnswer(body).first).failReason
    }

    @Test(arguments: [
        (#"line\nbreak"#, "line\nbreak"), (#"say \"hi\""#, "say \"hi\""), (#"back\\slash"#, "back\\slash"),
        (#"a\/b"#, "a/b"), (#"\b\f\r\t"#, "\u{8}\u{C}\r\t"), (#"caf\u00e9"#, "café"), (#"caf\u00E9"#, "café"),
        (#"\u003cb\u003e \u0026"#, "<b> &"), (#"note \ud83c\udfb5"#, "note 🎵"), (#"\uD83C\uDFB5"#, "🎵"),
        ("任务超时（1440分钟）", "任务超时（1440分钟）"), ("mixed 超时\\n🎵", "mixed 超时\n🎵"),
        (#"\u2028"#, "\u{2028}"), ("", ""),
        (
            String(repeating: "long plain ascii text ", count: 20),
            String(repeating: "long plain ascii text ", count: 20)
        ),
    ])
    func escapesAndRawUTF8(literal: String, expected: String) throws {
        #expect(try Self.failReason(literal) == expected)
    }

    @Test func escapedMemberNamesAreRecognised() throws {
        let body = Array(#"{"d\u0061ta":[{"task\u005fid":"e","st\u0061tus":"QUEUED"}]}"#.utf8)
        let item = try #require(try GatewayDecoder.decodeFetchAnswer(body).first)
        #expect(item.taskID == "e" && item.status == "QUEUED")
    }

    @Test func escapedClipValuesAreRecognised() throws {
        let body = Array(
            #"{"data":[{"task_id":"c","data":[{"st\u0061tus":"compl\u0065te","model_name":"chirp\u002dv4"}]}]}"#.utf8)
        let item = try #require(try GatewayDecoder.decodeFetchAnswer(body).first)
        #expect(item.hasStreamableClip && item.modelName == "chirp-v4")
    }
}

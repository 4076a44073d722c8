import Foundation
import Testing

@testable import SunoExporterCore

/// The core's one JSON writer and its reader (over the gateway decoder's scanner).
struct JSONValueTests {
    @Test func writesMembersInOrderAndEscapesStrings() {
        let value = JSONValue.object([
            "id": .string("a\"b\\c\n\u{1}\u{7f}é"), "n": .int(-3), "t": .double(1_751_871_000), "f": .double(0.25),
            "x": .double(.nan), "l": .array([.bool(true), .null]),
        ])
        #expect(
            value.text == #"{"id":"a\"b\\c\n\u0001\u007fé","n":-3,"t":1751871000,"f":0.25,"x":null,"l":[true,null]}"#)
    }

    @Test func whatItWritesFoundationReadsBack() throws {
        // An independent parser: every string survives, whatever its bytes.
        let hostile = ["", "plain", "quote \" back \\ slash", "\u{0}\u{1f}\t\r\n", "</script>", "🎵 日本語", "\u{2028}"]
        for text in hostile {
            let bytes = JSONValue.object(["k": .string(text)]).bytes
            let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]
            #expect(object?["k"] == text, "\(text.debugDescription)")
        }
    }

    @Test func parsesWhatItWrites() throws {
        let value = JSONValue.object([
            "ids": .array([.string("a"), .string("b/c")]), "model": .null, "labels": .object(["team": .string("x")]),
            "big": .int(-999_999_999_999_999_999), "real": .double(1.5e300),
        ])
        #expect(try JSONValue.parse(value.bytes) == value)
    }

    @Test func readsEscapesAndKeepsDuplicateMembersLastWins() throws {
        let value = try JSONValue.parse(#"{"a":"x\/y\u00e9","a":"second","n":12345678901234567890}"#)
        #expect(value[member: "a"]?.stringValue == "second")
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.first?.value.stringValue == "x/yé")
        // An integer too large for Int64 is kept as the nearest Double, not refused.
        #expect(value[member: "n"] == .double(Double("12345678901234567890") ?? 0))
    }

    @Test(arguments: [
        "", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":1} x", "\"\u{1}\"", "01", "{'a':1}",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xff, 0xfe, 0x22]) }
    }

    @Test func taskNotExistIsRecognisedInEitherMember() {
        #expect(GatewayDecoder.isTaskNotExist(Array(#"{"code":"task_not_exist","message":"x","data":null}"#.utf8)))
        #expect(GatewayDecoder.isTaskNotExist(Array(#"{"code":"","message":"task_not_exist"}"#.utf8)))
        #expect(!GatewayDecoder.isTaskNotExist(Array(#"{"code":"fail_to_fetch_task","message":"x"}"#.utf8)))
        #expect(!GatewayDecoder.isTaskNotExist(Array("<html>task_not_exist</html>".utf8)))
    }
}

/// Inputs the api-bodies fuzz target found where the reader and Foundation's parser disagree.
struct JSONValueFuzzFoundTests {
    /// `8\0`: Foundation reads it as UTF-16 ("8"); JSON text is UTF-8 and a NUL after a value is not JSON.
    @Test(arguments: [[0x38, 0x00], [0x7B, 0x7D, 0x00], [0xEF, 0xBB, 0xBF, 0x31]] as [[UInt8]])
    func nulBytesAndByteOrderMarksAreNotJSON(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
    }
}

extension JSONValueFuzzFoundTests {
    /// `{"ids":["a"],}`: a trailing comma, which Foundation's parser takes and JSON does not.
    @Test func trailingCommasAreNotJSON() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"ids":["a"],"model":null,}"#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,2,]") }
    }
}

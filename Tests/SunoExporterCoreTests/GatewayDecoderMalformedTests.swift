import SunoExporterCore
import Testing

/// Bodies that are not usable answers: each must throw a `GatewayDecodingError`, never crash, and the
/// error must name the problem while quoting only a short excerpt of the body. (A bad item inside a
/// valid answer costs only itself: see `GatewayDecoderItemRejectionTests`.)
@Suite struct GatewayDecoderMalformedTests {
    /// Decodes `body` and returns the error it must throw.
    static func failure(_ body: [UInt8]) -> GatewayDecodingError? {
        #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(body) }
    }

    /// A valid batch with `value` as an extra, ignored member: the value alone decides validity.
    static func withIgnored(_ value: String) -> [UInt8] {
        Array(#"{"code":"success","x":\#(value),"data":[]}"#.utf8)
    }

    @Test(arguments: [
        ("", "answer body is empty"),
        (" \n\t", "answer body is empty"),
        ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>", "HTML or XML, not JSON"),
        ("Too Many Requests", "not a JSON object"),
        ("[]", "not a JSON object"),
        (#""success""#, "not a JSON object"),
        ("null", "not a JSON object"),
        (#"{"data":5}"#, "data is a number"),
        (#"{"data":"736a6f88"}"#, "data is a string"),
        (#"{"data":true}"#, "data is a boolean"),
        (#"{"data":[]} x"#, "after the end of the JSON value"),
        (#"{"data":[]}{}"#, "after the end of the JSON value"),
        (#"{"data":nul}"#, "invalid literal"),
        (#"{"data":[],"x":True}"#, "expected a JSON value"),
        (#"{"data":[],"x":NaN}"#, "expected a JSON value"),
        (#"{"data":[],}"#, "expected a member name after ','"),
        (#"{"data":[],"x":[1,]}"#, "expected a value after ','"),
        (#"{"data" []}"#, "expected ':'"),
        (#"{"data":[] "x":1}"#, "expected ',' or '}'"),
        (#"{'data':[]}"#, "expected a member name"),
        (#"{data:[]}"#, "expected a member name"),
    ])
    func rejected(body: String, mention: String) {
        let error = Self.failure(Array(body.utf8))
        #expect(error?.description.contains(mention) == true, "\(error?.description ?? "no error")")
        #expect(error?.gatewayCode == nil)
    }

    @Test(arguments: [
        "01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "--1", "1.2.3", "Infinity", #""\x""#, #""\u12""#,
        #""\uZZZZ""#, #""\ud800""#, #""\ud800\u0041""#, #""\udc00x""#, #""\ud800\ud800""#, "\"raw\nnewline\"",
        "\"tab\there\"", "[1 2]", "{\"a\"}", "{\"a\":}", "[", "{", "\"open",
    ])
    func invalidValuesAnywhereAreRejected(value: String) {
        #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(Self.withIgnored(value)) }
    }

    @Test(arguments: [
        "0", "-0", "12", "-12.5e-3", "1E+2", "0.5", "1e400", "true", "false", "null", "{}", "[]", "[[]]",
        #"{"a":[{"b":{}}],"c":""}"#, #""\"\\\/\b\f\n\r\t\u0000\uFFFF""#, "\"\u{10FFFF}\"", " [ 1 , 2 ]\r\n",
    ])
    func validValuesAnywhereAreAccepted(value: String) throws {
        #expect(try GatewayDecoder.decodeFetchAnswer(Self.withIgnored(value)).isEmpty)
    }

    @Test(
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE4, 0xB8], [0x80], [0xE4, 0x41, 0x41],
        ] as [[UInt8]])
    func invalidUTF8InsideStringsIsRejected(bytes: [UInt8]) {
        let body = Array(#"{"data":[],"x":"ok "#.utf8) + bytes + Array(#" ok"}"#.utf8)
        let error = Self.failure(body)
        #expect(error?.description.contains("UTF-8") == true, "\(error?.description ?? "no error")")
    }

    @Test func everyTruncationOfARealAnswerIsRejected() throws {
        let body = try GatewayDecoderFixtures.load("fetch-batch-mixed-statuses")
        let end = try #require(body.lastIndex(of: UInt8(ascii: "}")))
        for length in 0...end {
            #expect(throws: GatewayDecodingError.self, "prefix of \(length) bytes") {
                try GatewayDecoder.decodeFetchAnswer(Array(body[..<length]))
            }
        }
        #expect(try GatewayDecoder.decodeFetchAnswer(Array(body[...end])).count == 7)
    }

    @Test func truncationErrorSaysSo() {
        let error = Self.failure(Array(#"{"code":"success","data":[{"task_id":"abc","sta"#.utf8))
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func nestingUpToTheLimitIsAcceptedAndDeeperIsRejected() throws {
        // The envelope object is level 1, so 63 arrays inside it reach the 64-level limit.
        let deepest = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(try GatewayDecoder.decodeFetchAnswer(Self.withIgnored(deepest)).isEmpty)
        let tooDeep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let error = Self.failure(Self.withIgnored(tooDeep))
        #expect(error?.description.contains("nesting deeper than 64 levels") == true)
    }

    @Test func hostileNestingCannotOverflowTheStack() {
        let hostile = String(repeating: #"{"a":["#, count: 200_000)
        #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(Self.withIgnored(hostile)) }
        #expect(GatewayDecoder.errorMessage(Array(hostile.utf8)) == nil)
    }

    @Test func errorsQuoteAtMostAShortExcerpt() throws {
        // 10 KB of HTML, and 10 KB of JSON with the error in the middle: both quote under 60 bytes.
        let html = "<html>" + String(repeating: "<p>secret-looking page text</p>", count: 300) + "</html>"
        let padding = String(repeating: "a", count: 5000)
        let broken = #"{"x":"\#(padding)","data":[}"# + String(repeating: " ", count: 5000)
        for body in [html, broken] {
            let error = try #require(Self.failure(Array(body.utf8)))
            let parts = error.description.split(separator: "`", omittingEmptySubsequences: false)
            #expect(parts.count == 3, "one quoted excerpt in \(error.description)")
            #expect(parts[1].utf8.count <= 60)
            #expect(error.description.utf8.count <= 160)
        }
    }

    @Test func excerptsOfBinaryBodiesArePrintable() throws {
        let body: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x0A, 0x0D, 0x00, 0xFF] + Array(repeating: 0x41, count: 100)
        let error = try #require(Self.failure(body))
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func mutatedAnswersNeverCrash() throws {
        // Deterministic corruption of a real answer: flipped, dropped and inserted bytes. Each result must
        // either decode or throw; a crash fails the whole run.
        let original = try GatewayDecoderFixtures.load("fetch-batch-mixed-statuses")
        var seed: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        var rejected = 0
        for _ in 0..<3000 {
            var body = original
            for _ in 0...next(3) {
                let position = next(body.count)
                switch next(3) {
                case 0: body[position] = UInt8(truncatingIfNeeded: next(256))
                case 1: body.remove(at: position)
                default: body.insert(Array(#"{}[]",:\0-9en"#.utf8)[next(13)], at: position)
                }
            }
            do { _ = try GatewayDecoder.decodeFetchAnswer(body) } catch { rejected += 1 }
            _ = GatewayDecoder.errorMessage(body)
            _ = try? GatewayDecoder.decodeTaskItem(body)
        }
        #expect(rejected > 1000)
    }
}

import SunoHTTP
import SunoTestSupport
import Testing

/// The pure rules behind the daemon's framing checks and path decoding, case by case.
@Suite struct RequestFramingRulesTests {
    static func refusal(_ headers: [(String, String)], version: String = "HTTP/1.1") -> Int? {
        RequestFraming.refusal(
            version: version, headers: [("host", "x")] + headers.map { ($0.0, $0.1) }, maxBodyBytes: 100)?.status
    }

    @Test func contentLength() {
        #expect(Self.refusal([("content-length", "100")]) == nil)
        #expect(Self.refusal([("content-length", " 7 ")]) == nil)
        #expect(Self.refusal([("content-length", "101")]) == 413)
        #expect(Self.refusal([("content-length", "99999999999999999999999999")]) == 413)
        for bad in ["", "-1", "+5", "1e3", "0x10", "5, 5", "abc"] {
            #expect(Self.refusal([("content-length", bad)]) == 400, "\(bad)")
        }
        #expect(Self.refusal([("content-length", "5"), ("content-length", "5")]) == 400)
        #expect(Self.refusal([("content-length", "5"), ("content-length", "6")]) == 400)
    }

    @Test func transferEncoding() {
        #expect(Self.refusal([("transfer-encoding", "chunked")]) == nil)
        #expect(Self.refusal([("transfer-encoding", " Chunked ")]) == nil)
        #expect(Self.refusal([("transfer-encoding", "chunked"), ("content-length", "3")]) == 400)
        #expect(Self.refusal([("transfer-encoding", "gzip")]) == 501)
        #expect(Self.refusal([("transfer-encoding", "gzip, chunked")]) == 501)
        #expect(Self.refusal([("transfer-encoding", "chunked"), ("transfer-encoding", "chunked")]) == 400)
        #expect(Self.refusal([("transfer-encoding", "")]) == 400)
        #expect(Self.refusal([("transfer-encoding", "chunked")], version: "HTTP/1.0") == 400)
    }

    @Test func hostAndExpect() {
        #expect(RequestFraming.refusal(version: "HTTP/1.1", headers: [], maxBodyBytes: 1)?.status == 400)
        #expect(RequestFraming.refusal(version: "HTTP/1.0", headers: [], maxBodyBytes: 1) == nil)
        #expect(Self.refusal([("host", "y")]) == 400)
        #expect(Self.refusal([("expect", "100-Continue")]) == nil)
        #expect(Self.refusal([("expect", "something-else")]) == 417)
    }

    @Test func refusalMessagesQuoteOnlyPrintableASCII() {
        let message = RequestFraming.refusal(
            version: "HTTP/1.1", headers: [("host", "x"), ("transfer-encoding", "gz\u{1b}[31m\u{e9}\"")],
            maxBodyBytes: 1)?.message
        #expect(message == "transfer coding gz?[31m?\" is not implemented")
    }

    @Test func percentDecoding() {
        #expect(PercentDecoding.decode(Array("/a%2Fb%20c".utf8)) == .success("/a/b c"))
        #expect(PercentDecoding.decode(Array("/%C3%A9t%c3%a9".utf8)) == .success("/été"))
        #expect(PercentDecoding.decode(Array("/é".utf8)) == .success("/é"))
        #expect(PercentDecoding.decode(Array("/a%2".utf8)) == .failure(.malformedEscape))
        #expect(PercentDecoding.decode(Array("/a%g0".utf8)) == .failure(.malformedEscape))
        #expect(PercentDecoding.decode(Array("/a%00b".utf8)) == .failure(.controlCharacter))
        #expect(PercentDecoding.decode(Array("/a%7f".utf8)) == .failure(.controlCharacter))
        #expect(PercentDecoding.decode([0x2F, 0x09]) == .failure(.controlCharacter))
        #expect(PercentDecoding.decode(Array("/%ff".utf8)) == .failure(.notUTF8))
        #expect(PercentDecoding.decode(Array("/%ED%A0%80".utf8)) == .failure(.notUTF8))  // a surrogate
        #expect(PercentDecoding.decode([UInt8]()) == .success(""))
    }
}

import SunoExporterCore
import Testing

/// `errorMessage(_:)` on the error bodies of COMETAPI.md §8.
@Suite struct GatewayDecoderErrorMessageTests {
    @Test(arguments: [
        (#"{"code":"task_not_exist","message":"task_not_exist","data":null}"#, "task_not_exist: task_not_exist"),
        (#"{"code":"invalid_request","message":"EOF","data":null}"#, "invalid_request: EOF"),
        (#"{"code":"task_not_exist","message":"","data":null}"#, "task_not_exist"),
        (#"{"code":"","message":"prompt_empty"}"#, "prompt_empty"),
        (
            #"{"error":{"message":"Invalid token (request id: 20250701)","type":"comet_api_error","code":""}}"#,
            "Invalid token (request id: 20250701)"
        ),
        (
            #"{"error":{"message":"no access","type":"comet_api_error","param":"","code":"invalid_request"}}"#,
            "invalid_request: no access"
        ),
        (#"{"error":{"message":"\u65e0\u6548\u7684\u4ee4\u724c","type":"new_api_error"}}"#, "无效的令牌"),
        (#"{"error":"upstream busy"}"#, "upstream busy"),
        (#"{"code":503,"message":"overloaded"}"#, "503: overloaded"),
    ])
    func envelopes(body: String, expected: String) {
        #expect(GatewayDecoder.errorMessage(Array(body.utf8)) == expected)
    }

    @Test(arguments: [
        "", "   ", "Too Many Requests", "<html><body><h1>502 Bad Gateway</h1></body></html>",
        #"{"code":"x","message":"cut"#, "[1,2]", #"{"data":null}"#, #"{"code":"","message":""}"#, "{}",
        #"{"error":null}"#,
    ])
    func nilForEmptyNonJSONOrMessageless(body: String) {
        #expect(GatewayDecoder.errorMessage(Array(body.utf8)) == nil)
    }

    @Test func longMessagesAreCutTo200Characters() throws {
        let message = String(repeating: "饱和", count: 300)
        let text = try #require(
            GatewayDecoder.errorMessage(Array(#"{"code":"fail_to_fetch_task","message":"\#(message)"}"#.utf8)))
        #expect(text.count == 200)
        #expect(text.hasPrefix("fail_to_fetch_task: 饱和饱和"))
        #expect(text.hasSuffix("…"))
    }

    @Test func errorDescriptionQuotesOnlyAShortPrefixOfTheMessage() {
        let message = String(repeating: "x", count: 500)
        let body = Array(#"{"code":"fail_to_fetch_task","message":"\#(message)","data":null}"#.utf8)
        let error = #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(body) }
        #expect(error?.gatewayCode == "fail_to_fetch_task")
        #expect((error?.description.utf8.count ?? 0) < 120)
    }
}

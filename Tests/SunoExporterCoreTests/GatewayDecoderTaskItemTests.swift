import SunoExporterCore
import Testing

/// `decodeTaskItem(_:)`: a bare item (notify hook) or the single-task envelope.
@Suite struct GatewayDecoderTaskItemTests {
    static let item =
        #"{"task_id":"h1","action":"LYRICS","status":"SUCCESS","progress":"100%","data":{"id":"h1","text":"x"}}"#
    static let expected = TaskObservation(taskID: "h1", action: "LYRICS", status: "SUCCESS", progress: "100%")

    @Test func bareItem() throws {
        #expect(try GatewayDecoder.decodeTaskItem(Array(Self.item.utf8)) == Self.expected)
    }

    @Test func itemInTheTaskEnvelope() throws {
        let body = #"{"code":"success","message":"","data":\#(Self.item)}"#
        #expect(try GatewayDecoder.decodeTaskItem(Array(body.utf8)) == Self.expected)
    }

    @Test func envelopeWithCodeLast() throws {
        let body = #"{"data":\#(Self.item),"message":"","code":"success"}"#
        #expect(try GatewayDecoder.decodeTaskItem(Array(body.utf8)) == Self.expected)
    }

    @Test func bareItemWithAnUnknownCodeMemberIsStillAnItem() throws {
        // A task_id at the top level wins: this is an item, whatever else it carries.
        let body = #"{"code":"whatever","task_id":"h2","status":"QUEUED"}"#
        #expect(try GatewayDecoder.decodeTaskItem(Array(body.utf8)).taskID == "h2")
    }

    @Test(
        arguments: [
            (#"{"code":"task_not_exist","message":"task_not_exist","data":null}"#, "task_not_exist", "task_not_exist"),
            (#"{"code":"success","message":"","data":null}"#, nil, "data is null"),
            (#"{"code":"success","message":""}"#, nil, "data is absent"),
            (#"{"code":"success","data":[]}"#, nil, "data is an array"),
            (#"{"code":"success","data":{"status":"SUCCESS"}}"#, nil, "no string task_id"),
            (#"{"status":"SUCCESS","progress":"0%"}"#, nil, "no string task_id"),
            (#"{"task_id":7}"#, nil, "no string task_id"),
            (#"{"task_id":"h3"} trailing"#, nil, "after the end of the JSON value"),
        ] as [(String, String?, String)])
    func unusableBodiesThrow(body: String, code: String?, mention: String) {
        let error = #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeTaskItem(Array(body.utf8)) }
        #expect(error?.gatewayCode == code)
        #expect(error?.description.contains(mention) == true, "\(error?.description ?? "no error")")
    }
}

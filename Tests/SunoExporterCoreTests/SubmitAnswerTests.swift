import SunoExporterCore
import Testing

/// What the proxy reads from a submit answer and from the client's submit request.
@Suite struct SubmitAnswerTests {
    static func decode(_ text: String) throws -> SubmitAnswer {
        try SubmitAnswer.decode(Array(text.utf8))
    }

    @Test func successCarriesTheTaskID() throws {
        #expect(
            try Self.decode(#"{"code":"success","message":"","data":"5b0f3c1e-2a4d-4c8e-9f10-3d2b7a6c8e01"}"#)
                == .accepted(taskID: "5b0f3c1e-2a4d-4c8e-9f10-3d2b7a6c8e01"))
        #expect(try Self.decode(#"{"data":"task_\u0041bc","code":"success"}"#) == .accepted(taskID: "task_Abc"))
    }

    @Test func eitherErrorEnvelopeIsARefusal() throws {
        #expect(
            try Self.decode(#"{"code":"invalid_request","message":"prompt_empty","data":null}"#)
                == .refused(code: "invalid_request"))
        #expect(
            try Self.decode(
                #"{"error":{"message":"Invalid token (request id: x)","type":"comet_api_error","code":""}}"#)
                == .refused(code: ""))
        #expect(try Self.decode(#"{"code":500,"data":"x"}"#) == .refused(code: "500"))
    }

    @Test(arguments: [
        "", "<html>502</html>", #"{"code":"success","message":"","data":null}"#, #"{"code":"success","data":["a"]}"#,
        #"{"code":"success","data":"abc"#, #"{"message":"","data":"abc"}"#,
    ])
    func anythingElseIsUndecodable(_ body: String) {
        #expect(throws: GatewayDecodingError.self) { try Self.decode(body) }
    }

    @Test func requestModelIsTheTopLevelMV() {
        #expect(
            SubmitRequestFields.model(Array(#"{"prompt":"x","mv":"chirp-v4","make_instrumental":true}"#.utf8))
                == "chirp-v4")
        #expect(SubmitRequestFields.model(Array(#"{"tags":{"mv":"nested"},"mv":"chirp-auk"}"#.utf8)) == "chirp-auk")
        #expect(SubmitRequestFields.model(Array(#"{"mv":null}"#.utf8)) == nil)
        #expect(SubmitRequestFields.model(Array(#"{"prompt":"x"}"#.utf8)) == nil)
        #expect(SubmitRequestFields.model(Array("mv=chirp-v4".utf8)) == nil)
        #expect(SubmitRequestFields.model([]) == nil)
    }
}

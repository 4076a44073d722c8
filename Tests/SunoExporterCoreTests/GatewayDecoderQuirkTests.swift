import SunoExporterCore
import Testing

/// One test per tolerance rule of COMETAPI.md §10, on small hand-written bodies.
@Suite struct GatewayDecoderQuirkTests {
    /// A batch answer around `items` (JSON text of the array's elements).
    static func batch(_ items: String) -> [UInt8] {
        Array(#"{"code":"success","message":"","data":[\#(items)]}"#.utf8)
    }

    /// A minimal 9-field item (no `notify_hook`) with `extra` members appended.
    static func item(_ id: String, status: String = "QUEUED", extra: String = "") -> String {
        #"{"task_id":"\#(id)","action":"MUSIC","status":"\#(status)","fail_reason":"","submit_time":1751871120,"#
            + #""start_time":0,"finish_time":0,"progress":"0%","data":null\#(extra)}"#
    }

    static func decodeOne(_ itemJSON: String) throws -> TaskObservation {
        let items = try GatewayDecoder.decodeFetchAnswer(batch(itemJSON))
        return try #require(items.first)
    }

    @Test func nineFieldItemWithoutNotifyHookDecodes() throws {
        #expect(
            try Self.decodeOne(Self.item("a"))
                == TaskObservation(
                    taskID: "a", action: "MUSIC", status: "QUEUED", progress: "0%", submitTime: 1_751_871_120))
    }

    @Test(arguments: [
        #"{"code":"success","message":"","data":null}"#,
        #"{"code":"success","message":"","data":[]}"#,
        #"{"code":"success","message":""}"#,
        #"{"data":[null]}"#,
        "{}",
    ])
    func dataNullAbsentOrEmptyMeansNoItems(body: String) throws {
        #expect(try GatewayDecoder.decodeFetchAnswer(Array(body.utf8)).isEmpty)
    }

    @Test func dataObjectIsOneItem() throws {
        let body = Array(#"{"code":"success","message":"","data":\#(Self.item("solo"))}"#.utf8)
        #expect(try GatewayDecoder.decodeFetchAnswer(body).map(\.taskID) == ["solo"])
    }

    @Test func envelopeMembersInAnyOrderAndCodeAfterData() throws {
        let ok = Array(#"{"data":[\#(Self.item("x"))],"message":"","code":"success"}"#.utf8)
        #expect(try GatewayDecoder.decodeFetchAnswer(ok).map(\.taskID) == ["x"])
        let failed = Array(#"{"data":null,"message":"boom","code":"get_tasks_failed"}"#.utf8)
        let error = #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(failed) }
        #expect(error?.gatewayCode == "get_tasks_failed")
        #expect(error?.description == "gateway reported error get_tasks_failed: boom")
    }

    @Test(arguments: [
        (#"{"code":"task_not_exist","message":"task_not_exist","data":null}"#, "task_not_exist"),
        (#"{"code":500,"message":"internal","data":null}"#, "500"),
        (#"{"code":"invalid_request","message":"","data":[]}"#, "invalid_request"),
        (#"{"error":{"message":"Invalid token (request id: 2025)","type":"comet_api_error","code":""}}"#, ""),
        (#"{"code":"success","error":{"message":"x","code":"quota"},"data":[]}"#, "quota"),
    ])
    func errorEnvelopeInA2xxBodyIsAnError(body: String, code: String) throws {
        let error = #expect(throws: GatewayDecodingError.self) {
            try GatewayDecoder.decodeFetchAnswer(Array(body.utf8))
        }
        #expect(error?.gatewayCode == code)
    }

    @Test func gatewayOrderIsKeptWhateverTheRequestOrder() throws {
        let body = Self.batch([Self.item("c"), Self.item("a"), Self.item("b")].joined(separator: ","))
        #expect(try GatewayDecoder.decodeFetchAnswer(body).map(\.taskID) == ["c", "a", "b"])
    }

    @Test func duplicateTaskIDsCollapseLastWinsAtFirstPosition() throws {
        let body = Self.batch(
            [Self.item("a", status: "QUEUED"), Self.item("b"), Self.item("a", status: "SUCCESS"), Self.item("c")]
                .joined(separator: ","))
        let items = try GatewayDecoder.decodeFetchAnswer(body)
        #expect(items.map(\.taskID) == ["a", "b", "c"])
        #expect(items.map(\.status) == ["SUCCESS", "QUEUED", "QUEUED"])
    }

    @Test func unknownMembersAreIgnoredAtEveryLevel() throws {
        // 2026 new-api members on the item, Suno feed members on clips, unknown envelope members.
        let item = #"""
            {"id":42,"created_at":1751871120,"platform":"suno","properties":{"input":"x","nested":[1,{"a":[]}]},
             "task_id":"t1","quota":0.5,"result_url":null,"status":"SUCCESS","progress":"100%","is_public":true,
             "data":[{"is_liked":false,"reaction":null,"status":"complete","metadata":{"history":[{"id":"c0"}],
             "stream":true,"duration":12.5},"model_name":"chirp-v4","play_count":0}]}
            """#
        let body = Array(#"{"request_id":"r","code":"success","extra":[true,false,null],"data":[\#(item)]}"#.utf8)
        let decoded = try #require(try GatewayDecoder.decodeFetchAnswer(body).first)
        #expect(decoded.taskID == "t1" && decoded.status == "SUCCESS")
        #expect(decoded.modelName == "chirp-v4" && decoded.hasStreamableClip)
    }

    @Test func unknownStatusIsKeptVerbatim() throws {
        let item = try Self.decodeOne(Self.item("a", status: "PAUSED_BY_GATEWAY"))
        #expect(item.status == "PAUSED_BY_GATEWAY")
        #expect(TaskStatus(upstream: item.status) == .unknown)
    }

    @Test(arguments: [
        (#""0%""#, "0%"), (#""60%""#, "60%"), (#""100%""#, "100%"), (" 60 ", "60%"), ("60.5", "60.5%"),
        ("100.0", "100%"), ("null", ""), (#""""#, ""),
    ])
    func progressStringNumberOrNull(json: String, expected: String) throws {
        let item = try Self.decodeOne(#"{"task_id":"p","progress":\#(json)}"#)
        #expect(item.progress == expected)
    }

    @Test func absentMembersGetNeutralValues() throws {
        #expect(
            try Self.decodeOne(#"{"task_id":"bare"}"#)
                == TaskObservation(taskID: "bare", action: "", status: "", progress: "", failReason: ""))
    }

    @Test(
        arguments: [
            ("1751871120", 1_751_871_120), ("1751871120.9", 1_751_871_120), (#""1751871120""#, 1_751_871_120),
            (#"" 1751871120 ""#, 1_751_871_120), (#""1751871120.5""#, 1_751_871_120), ("null", 0), ("0", 0),
            (#""""#, 0), ("-5", 0), ("1.7518711e9", 1_751_871_100), ("1751871120123", 1_751_871_120),
            (#""1751871120123""#, 1_751_871_120), ("1751871120123.0", 1_751_871_120), ("100000000000", 100_000_000_000),
            ("100000000001", 100_000_000),
        ] as [(String, Int64)])
    func timestampsIntFloatStringOrNullAndMilliseconds(json: String, expected: Int64) throws {
        let item = try Self.decodeOne(
            #"{"task_id":"t","submit_time":\#(json),"start_time":\#(json),"finish_time":\#(json)}"#)
        #expect(item.submitTime == expected)
        #expect(item.startTime == expected)
        #expect(item.finishTime == expected)
    }

    @Test func failReasonMayBeNull() throws {
        let item = try Self.decodeOne(#"{"task_id":"f","fail_reason":null,"action":null,"status":"FAILURE"}"#)
        #expect(item.failReason == "" && item.action == "" && item.status == "FAILURE")
    }

    @Test func itemsWithoutAStringTaskIDAreSkipped() throws {
        let body = Self.batch(
            [
                #"{"status":"SUCCESS"}"#, #"{"task_id":null}"#, #"{"task_id":123}"#, #"{"task_id":""}"#,
                #"{"task_id":["a"]}"#, Self.item("kept"),
            ]
            .joined(separator: ","))
        #expect(try GatewayDecoder.decodeFetchAnswer(body).map(\.taskID) == ["kept"])
    }

    @Test(
        arguments: [
            // (clips JSON, model, streamable)
            (
                #"[{"status":"submitted","model_name":"chirp-v4"},{"status":"queued","model_name":"chirp-v4"}]"#,
                "chirp-v4", false
            ),
            (
                #"[{"status":"error","model_name":""},{"status":"complete","model_name":"chirp-auk"}]"#, "chirp-auk",
                true
            ),
            (#"[{"status":"streaming","model_name":null},{"status":"queued"}]"#, nil, true),
            (
                #"[{"model_name":"chirp-crow","status":"queued"},{"model_name":"chirp-fenix","status":"complete"}]"#,
                "chirp-crow", true
            ),
            (#"[{"status":"COMPLETE"},{"status":7},null,"junk"]"#, nil, false),
            ("[]", nil, false),
        ] as [(String, String?, Bool)])
    func musicClipsGiveModelAndStreamable(clips: String, model: String?, streamable: Bool) throws {
        let item = try Self.decodeOne(#"{"task_id":"m","action":"MUSIC","data":\#(clips)}"#)
        #expect(item.modelName == model)
        #expect(item.hasStreamableClip == streamable)
    }

    @Test func lyricsObjectHasNoModelAndIsNotStreamable() throws {
        let item = try Self.decodeOne(
            #"{"task_id":"l","action":"LYRICS","data":{"id":"l","status":"complete","model_name":"x","text":"la\nla"}}"#
        )
        #expect(item.modelName == nil && !item.hasStreamableClip)
    }

    @Test func frozenFailureIsDetectedWhateverTheStatus() throws {
        let frozen = try Self.decodeOne(
            #"{"task_id":"z","status":"IN_PROGRESS","progress":"100%","fail_reason":"time out"}"#)
        #expect(frozen.isFrozenFailure)
        let running = try Self.decodeOne(
            #"{"task_id":"z","status":"IN_PROGRESS","progress":"0%","fail_reason":"time out"}"#)
        #expect(!running.isFrozenFailure)
    }

    @Test func byteOrderMarkAndWhitespaceAroundTheBodyAreAccepted() throws {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(" \r\n\t{ \"data\" : [ \(Self.item("bom")) ] }\n".utf8)
        #expect(try GatewayDecoder.decodeFetchAnswer(body).map(\.taskID) == ["bom"])
    }
}

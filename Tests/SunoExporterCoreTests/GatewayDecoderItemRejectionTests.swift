import SunoExporterCore
import Testing

/// One unusable task item (or field) in a batch answer costs only itself: the rest of the batch is
/// decoded, and what was set aside is reported with its reason. Before, `"start_time": 1e300` in one
/// item made the whole answer a decode error, so every task of the batch stayed unchanged.
@Suite struct GatewayDecoderItemRejectionTests {
    static let good = #"{"task_id":"good","status":"SUCCESS","progress":"100%","start_time":1751871012}"#

    /// A batch of a good item, `bad`, and another good item.
    static func batch(_ bad: String) -> [UInt8] {
        Array(#"{"code":"success","data":[\#(good),\#(bad),{"task_id":"good-2","status":"QUEUED"}]}"#.utf8)
    }

    @Test(
        arguments: [
            (#"{"task_id":"a","status":5}"#, ItemRejection.Reason.wrongType, "a", "status is a number"),
            (#"{"task_id":"a","submit_time":{}}"#, .wrongType, "a", "submit_time is an object"),
            (#"{"progress":[],"task_id":"a"}"#, .wrongType, "a", "progress is an array"),
            (#"{"task_id":"a","data":"clips"}"#, .wrongType, "a", "data is a string"),
            (#"{"task_id":"a","fail_reason":{"x":1}}"#, .wrongType, "a", "fail_reason is an object"),
            ("5", .notAnObject, "", "a data element is a number"),
            ("[]", .notAnObject, "", "a data element is an array"),
            (#""task-id""#, .notAnObject, "", "a data element is a string"),
            (#"{"task_id":7,"status":"SUCCESS"}"#, .missingID, "", "no string task_id"),
            (#"{"task_id":"","status":"SUCCESS"}"#, .missingID, "", "no string task_id"),
        ] as [(String, ItemRejection.Reason, String, String)])
    func aBadItemIsSetAsideAndTheRestDecoded(
        bad: String, reason: ItemRejection.Reason, taskID: String, mention: String
    ) throws {
        let answer = try GatewayDecoder.readFetchAnswer(Self.batch(bad))
        #expect(answer.items.map(\.taskID) == ["good", "good-2"])
        #expect(answer.rejections.count == 1)
        let rejection = try #require(answer.rejections.first)
        #expect(rejection.reason == reason)
        #expect(rejection.taskID == taskID)
        #expect(rejection.detail.contains(mention), "\(rejection.detail)")
        #expect(!rejection.keptItem)
        #expect(try GatewayDecoder.decodeFetchAnswer(Self.batch(bad)).count == 2)
    }

    @Test(
        arguments: [
            (#""start_time":1e300"#, "start_time"), (#""finish_time":"inf""#, "finish_time"),
            (#""submit_time":"yesterday""#, "submit_time"), (#""start_time":-1e300"#, nil),
            (#""finish_time":99999999999999999999999"#, "finish_time"),
        ] as [(String, String?)])
    func anUnusableTimeOnlyDropsThatField(member: String, dropped: String?) throws {
        let bad = #"{"task_id":"odd","status":"IN_PROGRESS","progress":"40%","submit_time":1751871000,\#(member)}"#
        let answer = try GatewayDecoder.readFetchAnswer(Self.batch(bad))
        #expect(answer.items.map(\.taskID) == ["good", "odd", "good-2"])
        let odd = try #require(answer.items.first { $0.taskID == "odd" })
        #expect(odd.status == "IN_PROGRESS")
        #expect(odd.progress == "40%")
        if let dropped {
            #expect(answer.rejections.map(\.reason) == [.unusableTime])
            #expect(answer.rejections.first?.taskID == "odd")
            #expect(answer.rejections.first?.detail.contains("\(dropped) is not a usable Unix time") == true)
            #expect(answer.rejections.first?.keptItem == true)
        } else {
            // A negative time is "unset", as before: nothing to report.
            #expect(answer.rejections.isEmpty)
        }
        // The dropped time is left unset (0), which keeps the last known value; the others are read.
        #expect(odd.submitTime == (dropped == "submit_time" ? 0 : 1_751_871_000))
        #expect(odd.startTime == 0 && odd.finishTime == 0)
    }

    @Test func hostileTextInARejectionIsQuotedShortAndPrintable() throws {
        // Raw DEL is legal inside a JSON string; escaped ESC, NUL and newline decode to control characters.
        let hostile = "\u{7f}\\u001b[31m<script>\\n\\u0000" + String(repeating: "x", count: 500)
        let bad = #"{"task_id":"a","submit_time":"\#(hostile)"}"#
        let answer = try GatewayDecoder.readFetchAnswer(Self.batch(bad))
        let detail = try #require(answer.rejections.first?.detail)
        #expect(detail.count < 120)
        #expect(!detail.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }

    @Test func brokenJSONInsideAnItemStillRejectsTheWholeAnswer() {
        // Nothing after a syntax error can be trusted, so this is not per item.
        let broken = Array(#"{"data":[{"task_id":"a","status":"SUCCESS"},{"task_id":"b","status":}]}"#.utf8)
        #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.readFetchAnswer(broken) }
    }

    @Test func aHookItemOfTheWrongShapeStillThrowsWithTheReason() {
        let error = #expect(throws: GatewayDecodingError.self) {
            try GatewayDecoder.decodeTaskItem(Array(#"{"task_id":"h","status":["x"]}"#.utf8))
        }
        #expect(error?.description.contains("status is an array") == true)
        let kept = try? GatewayDecoder.decodeTaskItem(
            Array(#"{"task_id":"h","status":"SUCCESS","finish_time":1e300}"#.utf8))
        #expect(kept?.status == "SUCCESS")
        #expect(kept?.finishTime == 0)
    }
}

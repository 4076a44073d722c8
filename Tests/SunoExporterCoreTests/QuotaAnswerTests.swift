import SunoExporterCore
import Testing

/// The quota service's answers as CometAPI documents them, and the ways they can go wrong.
@Suite struct QuotaAnswerTests {
    static func decode(_ text: String) throws -> QuotaAnswer {
        try QuotaAnswer.decode(Array(text.utf8))
    }

    /// The example of CometAPI's "Account Balance Query" page: fractional amounts, a limited key,
    /// and a key whose remain_quota is huge and used_quota -1.
    @Test func documentedExampleDecodes() throws {
        let answer = try Self.decode(
            """
            {"username":"example_user","total_quota":2105.234088,"total_used_quota":21.065912,"request_count":1221,
             "keys":[{"name":"tts_test","remain_quota":8.93872,"used_quota":2.099206},
                     {"name":"concurrency_test","remain_quota":10,"used_quota":0},
                     {"name":"mj_test","remain_quota":8.55,"used_quota":1.45},
                     {"name":"test_key","remain_quota":999999999,"used_quota":-1}]}
            """)
        #expect(answer.balance == 2105.234088)
        #expect(answer.used == 21.065912)
        #expect(answer.requests == 1221)
        #expect(
            answer.keys == [
                .init(name: "tts_test", remaining: 8.93872), .init(name: "concurrency_test", remaining: 10),
                .init(name: "mj_test", remaining: 8.55), .init(name: "test_key", remaining: 999_999_999),
            ])
    }

    /// The other documented example: `-1` marks an unlimited key, which becomes +infinity.
    @Test func unlimitedKeyIsInfinite() throws {
        let answer = try Self.decode(
            """
            {"username":"<username>","total_quota":10000,"total_used_quota":10000,"request_count":1000000,
             "keys":[{"name":"no-limited","remain_quota":-1,"used_quota":0},
                     {"name":"limited","remain_quota":100,"used_quota":0}]}
            """)
        #expect(answer.keys.map(\.isUnlimited) == [true, false])
        #expect(answer.keys[0].remaining == .infinity)
        #expect(answer.keys[1].remaining == 100)
        #expect(answer.requests == 1_000_000)
    }

    @Test func hugeValuesStayAsSentOrBecomeInfinite() throws {
        let answer = try Self.decode(
            #"{"total_quota":1e308,"total_used_quota":123456789012345678901234567890,"request_count":9223372036854775807,"#
                + #""keys":[{"name":"k","remain_quota":1e400},{"name":"n","remain_quota":-5}]}"#)
        #expect(answer.balance == 1e308)
        #expect(answer.used == 1.2345678901234568e29)
        #expect(answer.requests == 9.223372036854776e18)
        #expect(answer.keys[0].remaining == .infinity)
        // Only -1 means unlimited; another negative value is kept as the service wrote it.
        #expect(answer.keys[1].remaining == -5)
    }

    @Test func amountsWrittenAsStringsAndNullsAreAccepted() throws {
        let answer = try Self.decode(
            #"{"total_quota":" 12.5 ","total_used_quota":null,"keys":[{"name":"a","remain_quota":"-1"}]}"#)
        #expect(answer.balance == 12.5)
        #expect(answer.used == nil)
        #expect(answer.requests == nil)
        #expect(answer.keys == [.init(name: "a", remaining: .infinity)])
    }

    /// `daily_quota` (asked with start_date/end_date), `username` and unknown members are skipped;
    /// a key without remain_quota has nothing to report and is left out; a nameless key keeps "".
    @Test func unknownMembersAndIncompleteKeysAreSkipped() throws {
        let answer = try Self.decode(
            """
            {"daily_quota":{"2026-01-01":[{"token_name":"a","quota_used":1.5,"request_count":3}]},
             "total_quota":5,"future":[1,{"x":null}],
             "keys":[{"name":"no-remain","used_quota":1},{"remain_quota":2},{"name":7,"remain_quota":3}]}
            """)
        #expect(answer.balance == 5)
        #expect(answer.keys == [.init(name: "", remaining: 2), .init(name: "", remaining: 3)])
    }

    @Test func anErrorObjectIsReportedAsSuch() throws {
        for body in [
            #"{"error":"invalid key"}"#, #"{"detail":"invalid key"}"#, #"{"error":{"message":"invalid key"}}"#,
        ] {
            let error = try #require(throws: GatewayDecodingError.self) { try Self.decode(body) }
            #expect(error.description == "quota service reported an error: invalid key", "\(body)")
            #expect(error.gatewayCode == "")
        }
    }

    @Test(arguments: [
        ("", "answer body is empty"),
        ("<html><body>502 Bad Gateway</body></html>", "answer is HTML or XML, not JSON"),
        (#"[{"total_quota":1}]"#, "answer is not a JSON object"),
        (#"{"total_quota":12.5,"keys":[{"name":"a","remain_quota":"#, "truncated"),
        (#"{"username":"x","keys":[]}"#, "quota answer has no total_quota"),
        (#"{"total_quota":true}"#, "total_quota is a boolean, expected a number"),
        (#"{"total_quota":"lots"}"#, "total_quota is a string that is not a number"),
        (#"{"total_quota":"nan"}"#, "total_quota is a string that is not a number"),
        (#"{"total_quota":1,"keys":{"name":"a"}}"#, "keys is an object, expected an array"),
        (#"{"total_quota":1,"keys":["a"]}"#, "a keys element is a string, expected an object"),
        (#"{"total_quota":1,"keys":[{"name":"a","remain_quota":[1]}]}"#, "remain_quota is an array"),
        (#"{"total_quota":1} trailing"#, "unexpected bytes after the end"),
    ])
    func malformedAnswersAreErrorsNotCrashes(_ body: String, _ expected: String) throws {
        let error = try #require(throws: GatewayDecodingError.self) { try Self.decode(body) }
        #expect(error.description.contains(expected), "\(error.description)")
        #expect(error.gatewayCode == nil)
    }
}

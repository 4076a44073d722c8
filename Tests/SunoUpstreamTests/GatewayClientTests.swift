import Foundation
import SunoExporterCore
import SunoHTTP
import SunoTestSupport
import SunoUpstream
import Testing

/// `GatewayClient` against a real HTTP server with scripted answers (COMETAPI.md §3, §8, §10).
@Suite struct GatewayClientTests {
    static let twoTasks = """
        {"code":"success","message":"","data":[
          {"task_id":"task-1","notify_hook":"","action":"MUSIC","status":"IN_PROGRESS","fail_reason":"",
           "submit_time":1751871120,"start_time":1751871133,"finish_time":0,"progress":"0%",
           "data":[{"id":"c1","status":"streaming","model_name":"chirp-crow","audio_url":"https://audiopipe.suno.ai/?item_id=c1"}]},
          {"task_id":"task-2","action":"MUSIC","status":"NOT_START","fail_reason":"",
           "submit_time":1751871200,"start_time":0,"finish_time":0,"progress":"0%","data":null}
        ]}
        """
    static let oneTask = """
        {"code":"success","message":"","data":[{"task_id":"task-1","action":"MUSIC","status":"SUCCESS",
         "fail_reason":"","submit_time":10,"start_time":20,"finish_time":30,"progress":"100%","data":null}]}
        """
    static let openAIUnauthorized = """
        {"error":{"message":"Invalid token (request id: 20251123093015123456789abcdef)","type":"comet_api_error","code":""}}
        """
    static let overloaded = """
        {"error":{"message":"system cpu overloaded","type":"comet_api_error","code":"system_cpu_overloaded"}}
        """

    private struct SentBody: Decodable, Equatable {
        var ids: [String]
        var action: String
    }

    // MARK: The request

    @Test func sendsTheBatchRequestWithItsHeaders() async throws {
        let gateway = try ScriptedGateway([.json(200, Self.twoTasks)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome {
            try await probe.client(gateway.baseURL).fetch(ids: ["task-1", "task-2"], action: .music)
        }

        #expect(gateway.requests.count == 1)
        let request = try #require(gateway.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/suno/fetch")
        #expect(request.header("authorization") == "Bearer sk-test-key")
        #expect(request.header("content-type") == "application/json")
        #expect(request.header("accept") == "application/json")
        #expect(request.header("user-agent") == "suno-exporter/1.2.3")
        let body = try JSONDecoder().decode(SentBody.self, from: Data(request.body))
        #expect(body == SentBody(ids: ["task-1", "task-2"], action: "MUSIC"))
    }

    @Test func sendsTheLyricsAction() async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":[]}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["l-1"], action: .lyrics) }
        let request = try #require(gateway.requests.first)
        #expect(
            try JSONDecoder().decode(SentBody.self, from: Data(request.body))
                == SentBody(ids: ["l-1"], action: "LYRICS"))
    }

    @Test(arguments: [
        ("", "/suno/fetch"), ("/", "/suno/fetch"), ("/gw", "/gw/suno/fetch"), ("/gw//", "/gw/suno/fetch"),
    ])
    func appendsThePathToTheBaseURL(suffix: String, expectedPath: String) async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":[]}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome { try await probe.client(gateway.baseURL + suffix).fetch(ids: ["a"], action: .music) }
        #expect(gateway.requests.map(\.path) == [expectedPath])
    }

    @Test func sendsNoAuthorizationWithoutAKey() async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":[]}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome { try await probe.client(gateway.baseURL, key: nil).fetch(ids: ["a"], action: .music) }
        let request = try #require(gateway.requests.first)
        #expect(request.header("authorization") == nil)
    }

    @Test func sendsALargeBatchWhole() async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":null}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let ids = (0..<100).map { "task_\($0)_" + String(repeating: "x", count: 32) }
        _ = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ids, action: .music) }
        let request = try #require(gateway.requests.first)
        #expect(try JSONDecoder().decode(SentBody.self, from: Data(request.body)).ids == ids)
        // A client that sends "Expect: 100-continue" waits up to a second per batch for a "100 Continue"
        // that a gateway or proxy may never send. This server would answer it at once (libmicrohttpd
        // does), so the header itself is checked, not the time taken, which a loaded machine skews.
        #expect(request.header("expect") == nil, "no 100-continue handshake")
    }

    @Test func emptyIDsMakeNoCall() async throws {
        let gateway = try ScriptedGateway([])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: [], action: .music) }
        #expect(result == .success([]))
        #expect(gateway.requests.isEmpty)
        #expect(probe.calls.count == 0)
    }

    // MARK: Answers

    @Test func decodesTheAnswer() async throws {
        let gateway = try ScriptedGateway([.json(200, Self.twoTasks)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let observations = try await probe.client(gateway.baseURL).fetch(ids: ["task-1", "task-2"], action: .music)

        #expect(observations.map(\.taskID) == ["task-1", "task-2"])
        #expect(observations.map(\.status) == ["IN_PROGRESS", "NOT_START"])
        #expect(observations.first?.submitTime == 1_751_871_120)
        #expect(observations.first?.startTime == 1_751_871_133)
        #expect(observations.first?.modelName == "chirp-crow")
        #expect(observations.first?.hasStreamableClip == true)
        #expect(observations.last?.modelName == nil)
        #expect(probe.codes == ["200"])
        #expect(probe.calls.values.allSatisfy { $0.endpoint == "fetch" && $0.seconds > 0 })
    }

    @Test func dataNullIsAnEmptyAnswer() async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":null}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let observations = try await probe.client(gateway.baseURL).fetch(ids: ["gone"], action: .music)
        #expect(observations.isEmpty)
        #expect(probe.codes == ["200"])
    }

    @Test func anHTMLPageWithStatus200IsADecodeFailureAndIsNotRetried() async throws {
        let gateway = try ScriptedGateway([
            .text(200, "<html><body>Just a moment...</body></html>", contentType: "text/html"),
            .json(200, Self.oneTask),
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome {
            try await probe.client(gateway.baseURL).fetch(ids: ["task-1"], action: .music)
        }
        guard case .decoding = result.upstreamFailure else {
            Issue.record("expected a decoding error, got \(result)")
            return
        }
        #expect(probe.codes == ["decode"])
        #expect(gateway.requests.count == 1)
        #expect(probe.sleeps.count == 0)
    }

    // MARK: Retries

    @Test func retriesAnEmpty429ThenSucceeds() async throws {
        let gateway = try ScriptedGateway([.empty(429), .json(200, Self.oneTask)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let observations = try await probe.client(gateway.baseURL).fetch(ids: ["task-1"], action: .music)
        #expect(observations.map(\.taskID) == ["task-1"])
        #expect(probe.codes == ["429", "200"])
        #expect(gateway.requests.count == 2)
        #expect(probe.sleeps.count == 1)
        #expect(
            probe.sleeps.values.allSatisfy { $0 >= .zero && $0 <= .milliseconds(500) }, "full jitter below the base")
    }

    @Test func honoursRetryAfterInSeconds() async throws {
        let gateway = try ScriptedGateway([
            .empty(429, headers: [("Retry-After", "3")]), .json(401, Self.openAIUnauthorized),
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["a"], action: .music) }
        #expect(result.upstreamFailure?.httpStatus == 401)
        #expect(probe.sleeps.values == [.seconds(3)])
        #expect(probe.codes == ["429", "401"])
    }

    @Test func honoursRetryAfterAsAnHTTPDate() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let started = ContinuousClock.now
        let later = formatter.string(from: Date().addingTimeInterval(20))
        let gateway = try ScriptedGateway([
            .json(503, Self.overloaded, headers: [("Retry-After", later)]), .json(401, Self.openAIUnauthorized),
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["a"], action: .music) }
        let slept = try #require(probe.sleeps.values.first)
        // 20 s ahead in whole seconds (up to 1 s lost), less the time this test took to get the answer,
        // which a loaded machine stretches; never more than 20 s (+1 s for the server's Date header).
        let elapsed = ContinuousClock.now - started
        #expect(slept > .seconds(18) - elapsed && slept <= .seconds(21), "slept \(slept) after \(elapsed)")
    }

    @Test func capsRetryAfter() async throws {
        let gateway = try ScriptedGateway([
            .empty(429, headers: [("Retry-After", "3600")]), .json(401, Self.openAIUnauthorized),
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome {
            try await probe.client(gateway.baseURL, retryAfterMax: .seconds(60)).fetch(ids: ["a"], action: .music)
        }
        #expect(probe.sleeps.values == [.seconds(60)])
    }

    @Test func retries503WithBackoffThenGivesUp() async throws {
        let gateway = try ScriptedGateway(Array(repeating: .json(503, Self.overloaded), count: 5))
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["a"], action: .music) }
        #expect(result.upstreamFailure?.httpStatus == 503)
        #expect(probe.codes == ["503", "503", "503", "503"])
        #expect(gateway.requests.count == 4)
        let ceilings: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2)]
        #expect(probe.sleeps.count == 3)
        for (slept, ceiling) in zip(probe.sleeps.values, ceilings) {
            #expect(slept >= .zero && slept <= ceiling, "slept \(slept), at most \(ceiling)")
        }
    }

    @Test(arguments: [400, 401, 403, 404, 409, 422])
    func doesNotRetryClientErrors(status: Int) async throws {
        let gateway = try ScriptedGateway([.json(status, Self.openAIUnauthorized), .json(200, Self.oneTask)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["a"], action: .music) }
        #expect(result.upstreamFailure?.httpStatus == status)
        #expect(probe.codes == ["\(status)"])
        #expect(gateway.requests.count == 1)
        #expect(probe.sleeps.count == 0)
    }

    @Test func unauthorizedCarriesTheOpenAIEnvelopeMessage() async throws {
        let gateway = try ScriptedGateway([.json(401, Self.openAIUnauthorized)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["a"], action: .music) }
        #expect(
            result.upstreamFailure
                == .http(status: 401, message: "Invalid token (request id: 20251123093015123456789abcdef)"))
        #expect(probe.codes == ["401"])
    }

    @Test func badRequestCarriesTheTaskEnvelopeMessageWhateverTheContentType() async throws {
        let gateway = try ScriptedGateway([.text(400, #"{"code":"invalid_request","message":"EOF","data":null}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetch(ids: ["a"], action: .music) }
        #expect(result.upstreamFailure == .http(status: 400, message: "invalid_request: EOF"))
        #expect(probe.codes == ["400"])
    }

    // MARK: Timeouts and transport errors

    @Test func aSlowGatewayTimesOutAndIsRetried() async throws {
        // Held far longer than the 0.3 s deadline, so even a deadline fired late on a loaded machine ends
        // the attempt first; `stop()` ends the wait.
        let slow = CannedAnswer.json(200, Self.oneTask, delay: .seconds(30))
        let gateway = try ScriptedGateway(threadPerConnection: true, [slow, slow])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = probe.client(gateway.baseURL, timeout: .milliseconds(300), maxAttempts: 2)
        let result = await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) }
        #expect(result.upstreamFailure == .timeout)
        #expect(probe.codes == ["timeout", "timeout"])
        #expect(probe.sleeps.count == 1)
        for call in probe.calls.values {
            // The attempt waited for its own 0.3 s deadline: not less, and less than the 30 s answer (a
            // deadline that never fires would show here). The bound is loose on purpose: the attempt's time
            // is taken when the calling task resumes, which on 2 cores running every test at once waited
            // for a cooperative thread for up to 16 s (the transfer itself ended after 0.3 s).
            #expect(call.seconds >= 0.25, "attempt took \(call.seconds) s")
            #expect(call.seconds < 25, "attempt took \(call.seconds) s")
        }
    }

    @Test func aRefusedConnectionIsATransportError() async throws {
        let closed = try RefusingPort()
        defer { closed.close() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome {
            try await probe.client(closed.baseURL, maxAttempts: 2).fetch(ids: ["a"], action: .music)
        }
        #expect(result.upstreamFailure == .transport("cannotConnectToHost"))
        #expect(probe.codes == ["transport", "transport"])
        #expect(probe.sleeps.count == 1)
    }

    // MARK: Cancellation

    @Test func cancellationStopsTheRetryLoop() async throws {
        let gateway = try ScriptedGateway(Array(repeating: .json(503, Self.overloaded), count: 10))
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = probe.client(gateway.baseURL, maxAttempts: 10) { duration in
            try await Task.sleep(for: .seconds(120))
        }
        let call = Task { await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) } }
        #expect(await eventually(within: 60) { probe.sleeps.count == 1 })
        let cancelled = ContinuousClock.now
        call.cancel()
        let result = await call.value
        #expect(result.upstreamFailure == .cancelled)
        // The 120 s wait was cut short (the bound leaves room for a loaded machine to resume the task).
        #expect(ContinuousClock.now - cancelled < .seconds(30))
        #expect(probe.codes == ["503"])
        #expect(gateway.requests.count == 1)
    }

    @Test func cancellationInterruptsARequestInFlight() async throws {
        // The answer and the client's deadline are both far off: only cancellation can end the call
        // within the bound below, however late a loaded machine resumes the task (`stop()` ends the wait).
        let gateway = try ScriptedGateway(
            threadPerConnection: true, [.json(200, Self.oneTask, delay: .seconds(120))])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = probe.client(gateway.baseURL, timeout: .seconds(120))
        let call = Task { await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) } }
        #expect(await eventually(within: 60) { gateway.requests.count == 1 })
        let cancelled = ContinuousClock.now
        call.cancel()
        let result = await call.value
        #expect(result.upstreamFailure == .cancelled)
        #expect(ContinuousClock.now - cancelled < .seconds(30))
        #expect(probe.calls.count == 0, "an interrupted attempt has no outcome to report")
    }

    @Test func aCancelledTaskMakesNoCall() async throws {
        let gateway = try ScriptedGateway([.json(200, Self.oneTask)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = probe.client(gateway.baseURL)
        let call = Task {
            unsafe withUnsafeCurrentTask { unsafe $0?.cancel() }
            return await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) }
        }
        #expect(await call.value.upstreamFailure == .cancelled)
        #expect(gateway.requests.isEmpty)
        #expect(probe.calls.count == 0)
    }

    // MARK: fetchOne

    @Test func fetchOneGetsTheTask() async throws {
        let item = """
            {"code":"success","message":"","data":{"task_id":"task_abc","action":"LYRICS","status":"SUCCESS",
             "fail_reason":"","submit_time":5,"start_time":5,"finish_time":5,"progress":"100%",
             "data":{"id":"task_abc","status":"complete","title":"t","text":"la"}}}
            """
        let gateway = try ScriptedGateway([.json(200, item)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let observation = try await probe.client(gateway.baseURL).fetchOne(id: "task_abc")
        #expect(observation?.taskID == "task_abc")
        #expect(observation?.status == "SUCCESS")
        let request = try #require(gateway.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/suno/fetch/task_abc")
        #expect(request.header("authorization") == "Bearer sk-test-key")
        #expect(probe.calls.values.map(\.endpoint) == ["fetch_one"])
    }

    @Test(arguments: [
        CannedAnswer.json(400, #"{"code":"task_not_exist","message":"task_not_exist","data":null}"#),
        CannedAnswer.json(404, #"{"code":"task_not_exist","message":"","data":null}"#),
    ])
    func fetchOneOfAnUnknownTaskIsNil(answer: CannedAnswer) async throws {
        let gateway = try ScriptedGateway([answer])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetchOne(id: "nope") }
        #expect(result == .success(nil))
        #expect(probe.codes == ["\(answer.status)"])
        #expect(gateway.requests.count == 1)
    }

    @Test func fetchOneOfAWrongRouteIsAnError() async throws {
        let gateway = try ScriptedGateway([.text(404, "<html>404 page not found</html>", contentType: "text/html")])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetchOne(id: "x") }
        #expect(result.upstreamFailure?.httpStatus == 404)
    }

    @Test func fetchOneEscapesTheID() async throws {
        let gateway = try ScriptedGateway([.json(404, #"{"code":"task_not_exist","message":"","data":null}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome { try await probe.client(gateway.baseURL).fetchOne(id: "a/b c?d") }
        let request = try #require(gateway.requests.first)
        // The server percent-decodes the path: an unescaped "?" would have started a query instead.
        #expect(request.path == "/suno/fetch/a/b c?d")
        #expect(request.query.isEmpty)
    }
}

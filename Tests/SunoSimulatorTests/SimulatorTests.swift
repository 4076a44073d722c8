import Foundation
import SunoSimulator
import SunoTestSupport
import Testing

/// The gateway's task API as the simulator serves it over HTTP (COMETAPI.md §2–§4, §7, §8).
@Suite("Simulator HTTP API")
struct SimulatorTests {
    @Test func submitMusicAnswersTheTaskIDAndIgnoresUnknownFields() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let reply = try await TestHTTP.send(
                "POST", simulator.baseURL + "/suno/submit/music",
                text:
                    #"{"gpt_description_prompt":"a calm piano piece","mv":"chirp-crow","negative_tags":"metal","persona_id":"p1","task":"extend"}"#
            )
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(reply.header("X-Oneapi-Request-Id")?.isEmpty == false)
            let object = try reply.object()
            #expect(object["code"] as? String == "success")
            #expect(object["message"] as? String == "")
            let id = try #require(object["data"] as? String)
            let truth = try #require(simulator.groundTruth().first)
            #expect(truth.id == id)
            #expect(truth.action == .music)
            #expect(truth.model == "chirp-crow")
            #expect(simulator.stats.count(.submitMusic) == 1)
        }
    }

    @Test func submitMusicDefaultsToChirpV30() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            for body in [#"{"prompt":"[Verse] la la","tags":"pop","title":"T"}"#, #"{"prompt":"x","mv":""}"#] {
                let reply = try await TestHTTP.send("POST", simulator.baseURL + "/suno/submit/music", text: body)
                #expect(reply.status == 200)
            }
            #expect(simulator.groundTruth().map(\.model) == ["chirp-v3-0", "chirp-v3-0"])
        }
    }

    @Test func taskIDsMixTheThreeGatewayFormats() throws {
        let simulator = SunoSimulator(configuration: SimulatorConfiguration(seed: 42), logger: quietLogger)
        let ids = (0..<60).map { _ in simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "p") }
        let uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        let hex = /^[0-9a-f]{32}$/
        let publicID = /^task_[0-9A-Za-z]{32}$/
        var kinds = Set<String>()
        for id in ids {
            if id.wholeMatch(of: uuid) != nil {
                kinds.insert("uuid")
            } else if id.wholeMatch(of: hex) != nil {
                kinds.insert("hex")
            } else if id.wholeMatch(of: publicID) != nil {
                kinds.insert("task_")
            } else {
                Issue.record("unexpected id format: \(id)")
            }
        }
        #expect(kinds == ["uuid", "hex", "task_"])
        #expect(Set(ids).count == ids.count)
    }

    @Test func batchAnswersInSubmissionOrderWithoutDuplicatesOrUnknownIDs() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let ids = (0..<5).map { simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "song \($0)") }
            let reply = try await SimulatorClient.fetch(
                simulator, ids: [ids[4], ids[0], "no-such-task", ids[2], ids[0], ids[4]], action: "LYRICS")
            #expect(reply.status == 200)
            #expect(try reply.items().compactMap { $0["task_id"] as? String } == [ids[0], ids[2], ids[4]])
            let stats = simulator.stats
            #expect(stats.fetchRequests == 1)
            #expect(stats.idsRequested == 6)
            #expect(stats.itemsReturned == 3)
            #expect(stats.largestBatch == 6)
        }
    }

    @Test func batchMixesActions() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let music = simulator.submit(action: "MUSIC", model: nil, prompt: "a song")
            let lyrics = simulator.submit(action: "lyrics", model: nil, prompt: "a poem")
            let items = try await SimulatorClient.fetch(simulator, ids: [lyrics, music]).items()
            #expect(items.map { $0["action"] as? String } == ["MUSIC", "LYRICS"])
        }
    }

    @Test(arguments: [#"{"ids":[]}"#, "{}", #"{"ids":null}"#, #"{"action":"MUSIC"}"#, "null"])
    func batchWithoutIDsAnswersAnEmptyArray(body: String) async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            let reply = try await TestHTTP.send("POST", simulator.baseURL + "/suno/fetch", text: body)
            #expect(reply.status == 200)
            #expect(reply.text == #"{"code":"success","message":"","data":[]}"#)
        }
    }

    @Test func batchWithOnlyUnknownIDsAnswersDataNull() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            let reply = try await SimulatorClient.fetch(simulator, ids: ["unknown-1", "unknown-2"])
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(reply.text == #"{"code":"success","message":"","data":null}"#)
        }
    }

    @Test(arguments: [
        ("", "EOF"),
        ("   ", "EOF"),
        ("oops", "invalid character 'o' looking for beginning of value"),
        (#"{"ids":["a""#, "unexpected EOF"),
        (#"{"ids":"abc"}"#, "json: cannot unmarshal string into Go struct field .ids of type []interface {}"),
        (#"{"ids":{"a":1}}"#, "json: cannot unmarshal object into Go struct field .ids of type []interface {}"),
        (#"{"ids":12}"#, "json: cannot unmarshal number into Go struct field .ids of type []interface {}"),
        (#"{"ids":true}"#, "json: cannot unmarshal bool into Go struct field .ids of type []interface {}"),
        (#"["a"]"#, "json: cannot unmarshal array into Go value of type struct { IDs []interface {}; Action string }"),
    ])
    func badBatchBodiesGetA400TaskEnvelopeAsPlainText(body: String, message: String) async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let reply = try await TestHTTP.send("POST", simulator.baseURL + "/suno/fetch", text: body)
            #expect(reply.status == 400)
            #expect(reply.header("Content-Type") == "text/plain; charset=utf-8")
            let object = try reply.object()
            #expect(object["code"] as? String == "invalid_request")
            #expect(object["message"] as? String == message)
            #expect(object["data"] is NSNull)
            #expect(simulator.stats.fetchRequests == 0)
            #expect(simulator.stats.count(.fetchBatch) == 1)
        }
    }

    @Test func singleFetchAnswersTheItemOrTaskNotExist() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let id = simulator.submit(action: "MUSIC", model: "chirp-auk", prompt: "x")
            let found = try await TestHTTP.send("GET", simulator.baseURL + "/suno/fetch/" + id)
            #expect(found.status == 200)
            let item = try #require(try found.object()["data"] as? [String: Any])
            #expect(item["task_id"] as? String == id)
            #expect(item["status"] as? String == "NOT_START")

            let missing = try await TestHTTP.send("GET", simulator.baseURL + "/suno/fetch/no-such-task")
            #expect(missing.status == 400)
            #expect(missing.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(missing.text == #"{"code":"task_not_exist","message":"task_not_exist","data":null}"#)
            #expect(simulator.stats.count(.fetchOne) == 2)
        }
    }

    @Test(arguments: [
        ("/suno/submit/lyrics", #"{"prompt":""}"#, "prompt_empty"),
        ("/suno/submit/lyrics", #"{"notify_hook":"https://example.com/hook"}"#, "prompt_empty"),
        ("/suno/submit/music", #"{"continue_clip_id":"c1"}"#, "task id is empty"),
        ("/suno/submit/video", #"{"prompt":"x"}"#, "invalid_action"),
        (
            "/suno/submit/music", #"{"make_instrumental":"yes"}"#,
            "json: cannot unmarshal string into Go struct field SunoSubmitReq.make_instrumental of type bool"
        ),
        (
            "/suno/submit/music", #"{"mv":5}"#,
            "json: cannot unmarshal number into Go struct field SunoSubmitReq.mv of type string"
        ),
        ("/suno/submit/music", "", "unexpected end of JSON input"),
    ])
    func badSubmitsGetA400TaskEnvelope(path: String, body: String, message: String) async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let reply = try await TestHTTP.send("POST", simulator.baseURL + path, text: body)
            #expect(reply.status == 400)
            let object = try reply.object()
            #expect(object["code"] as? String == "invalid_request")
            #expect(object["message"] as? String == message)
            #expect(object["data"] is NSNull)
            #expect(simulator.groundTruth().isEmpty)
        }
    }

    @Test func singleFetchPathIsDecodedOnce() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            let encoded = id.utf8.map { String(format: "%%%02X", $0) }.joined()
            let found = try await TestHTTP.send("GET", simulator.baseURL + "/suno/fetch/" + encoded)
            #expect(found.status == 200)
            let doubly = encoded.replacingOccurrences(of: "%", with: "%25")
            let missing = try await TestHTTP.send("GET", simulator.baseURL + "/suno/fetch/" + doubly)
            #expect(missing.status == 400)
        }
    }

    @Test func submitLyricsAnswersTheTaskID() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let reply = try await TestHTTP.send(
                "POST", simulator.baseURL + "/suno/submit/LYRICS",
                text: #"{"prompt":"a song about the sea","notify_hook":"https://example.com/hook","mv":"chirp-v4"}"#)
            #expect(reply.status == 200)
            let id = try #require(try reply.object()["data"] as? String)
            let item = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            #expect(item["action"] as? String == "LYRICS")
            #expect(item["notify_hook"] as? String == "https://example.com/hook")
            #expect(simulator.groundTruth().first?.model == nil)
        }
    }

    @Test(arguments: [("GET", "/suno/fetch"), ("GET", "/v1/models"), ("POST", "/suno/fetch/abc"), ("GET", "/")])
    func unknownRoutesAre404(method: String, path: String) async throws {
        try await withSimulator(SimulatorConfiguration(apiKey: "secret")) { simulator in
            let reply = try await TestHTTP.send(
                method, simulator.baseURL + path, text: method == "POST" ? "{}" : nil)
            #expect(reply.status == 404)
            #expect(reply.header("X-Oneapi-Request-Id")?.isEmpty == false)
            #expect(simulator.stats.count(.other) == 1)
        }
    }

    @Test func everyAnswerCarriesADistinctRequestID() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            var seen = Set<String>()
            for _ in 0..<5 {
                let reply = try await SimulatorClient.fetch(simulator, ids: [])
                let id = try #require(reply.header("X-Oneapi-Request-Id"))
                #expect(id.wholeMatch(of: /^[0-9]{23}[0-9A-Za-z]{8}$/) != nil)
                seen.insert(id)
            }
            #expect(seen.count == 5)
        }
    }

    @Test(arguments: [
        ("sk-secret", nil as String?, 401),
        ("sk-secret", "Bearer wrong", 401),
        ("sk-secret", "", 401),
        ("sk-secret", "Bearer ", 401),
        ("sk-secret", "secret", 200),
        ("sk-secret", "Bearer secret", 200),
        ("sk-secret", "Bearer sk-secret", 200),
        ("secret", "Bearer sk-secret", 200),
        ("secret", "bearer secret", 401),
        ("sk-secret", "Bearer sk-secret-7", 200),
    ])
    /// As new-api: `Bearer ` is optional but case-sensitive, `sk-` is ignored, the key ends at its first `-`.
    func bearerKeyIsChecked(key: String, authorization: String?, status: Int) async throws {
        try await withSimulator(SimulatorConfiguration(apiKey: key)) { simulator in
            let headers = authorization.map { ["Authorization": $0] } ?? [:]
            let reply = try await TestHTTP.send(
                "POST", simulator.baseURL + "/suno/fetch", text: #"{"ids":[]}"#, headers: headers)
            #expect(reply.status == status)
            guard status == 401 else { return }
            let requestID = try #require(reply.header("X-Oneapi-Request-Id"))
            let error = try #require(try reply.object()["error"] as? [String: Any])
            #expect(error["message"] as? String == "Invalid token (request id: \(requestID))")
            #expect(error["type"] as? String == "comet_api_error")
            #expect(error["code"] as? String == "")
            #expect(simulator.stats.unauthorized == 1)
        }
    }

    @Test func itemLimitCutsBatchesSilentlyInSubmissionOrder() async throws {
        try await withSimulator(SimulatorConfiguration(itemLimit: 3)) { simulator in
            let ids = (0..<6).map { simulator.submit(action: "MUSIC", model: nil, prompt: "song \($0)") }
            let items = try await SimulatorClient.fetch(simulator, ids: ids.reversed()).items()
            #expect(items.compactMap { $0["task_id"] as? String } == Array(ids.prefix(3)))
        }
    }

    @Test func hostileNumbersDoNotTrap() async throws {
        let clock = ManualClock()
        clock.advance(by: .nan)
        clock.advance(by: -5)
        #expect(clock.now == 1_751_871_000)
        var configuration = SimulatorConfiguration(timeScale: .infinity, upstreamTimeout: .nan, clock: .manual(clock))
        configuration.models = [ModelProfile(action: .music, model: nil, timeline: .lyrics(firstPoll: 1...1e300))]
        try await withSimulator(configuration) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x", backdatedBy: .infinity)
            simulator.setFault(.slow(seconds: .nan), forNextRequests: 1)
            let reply = try await SimulatorClient.fetch(simulator, ids: [id])
            #expect(reply.status == 200)
            #expect(try reply.items().count == 1)
        }
    }

    @Test func baseURLNamesTheBoundPort() async throws {
        let simulator = SunoSimulator(configuration: SimulatorConfiguration(), logger: quietLogger)
        #expect(simulator.baseURL == "http://127.0.0.1:0")
        let port = try simulator.start()
        defer { simulator.stop() }
        #expect(port != 0)
        #expect(simulator.baseURL == "http://127.0.0.1:\(port)")
    }
}

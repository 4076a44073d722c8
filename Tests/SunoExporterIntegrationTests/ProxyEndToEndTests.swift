import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import Testing

/// A client that submits through the exporter (`serve --proxy`) instead of the gateway: its tasks are
/// watched with no registration call, counted as the gateway ends them, and its key goes nowhere else.
@Suite(.serialized)
struct ProxyEndToEndTests {
    static let timeline = PhaseTimeline(toSubmitted: 2...10, toQueued: 5...20, toInProgress: 10...60, toDone: 40...200)
    static let profiles: [ModelProfile] = [
        ModelProfile(action: .music, model: "chirp-v4", timeline: timeline, failureShare: 0.25, timeoutShare: 0.1),
        ModelProfile(action: .music, model: "chirp-auk", timeline: timeline, failureShare: 0.3),
        ModelProfile(action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 2...15)),
    ]
    /// One gateway account, two keys (new-api cuts a key at its first "-" after "sk-": both are "shared").
    static let clientKey = "sk-shared-clientSecret7781"
    static let exporterKey = "sk-shared-exporterKey1234"

    @Test func submittedTasksAreWatchedAndCountedAsTheGatewayEndsThem() async throws {
        let harness = try ProxyHarness(models: Self.profiles, gatewayKey: Self.clientKey, exporterKey: Self.exporterKey)
        defer { harness.stop() }
        var ids: [String] = []
        for index in 0..<16 {
            let model = ["chirp-v4", "chirp-auk"][index % 2]
            let reply = try await harness.submit(
                json: #"{"gpt_description_prompt":"song \#(index)","mv":"\#(model)"}"#, key: Self.clientKey)
            #expect(reply.status == 200, "\(reply.text)")
            let id = try #require(try reply.object()["data"] as? String)
            ids.append(id)
            // Registered before the answer left: already in the store when the client reads it.
            let task = try #require(try harness.store.task(id: id))
            #expect(task.action == .music)
            #expect(task.registeredModel == model)
        }
        for index in 0..<4 {
            let reply = try await harness.submit("lyrics", json: #"{"prompt":"verse \#(index)"}"#, key: Self.clientKey)
            let id = try #require(try reply.object()["data"] as? String)
            #expect(try harness.store.task(id: id)?.action == .lyrics)
            ids.append(id)
        }
        let truth = harness.simulator.groundTruth()
        #expect(Set(truth.map(\.id)) == Set(ids))

        // Watched within one cycle: every id was polled and shows the gateway's status.
        await harness.runCycles(1, step: 15)
        let now = Dictionary(uniqueKeysWithValues: harness.simulator.groundTruth().map { ($0.id, $0.status) })
        for id in ids {
            #expect(try harness.store.history(id: id).isEmpty == false, "\(id) not polled")
            #expect(try harness.store.task(id: id)?.status == now[id], "\(id)")
        }
        let early = try await harness.scrape()
        #expect(early.sum("suno_tasks_registered_total", ["source": "proxy"]) == 20)
        #expect(early.sum("suno_proxy_requests_total", ["endpoint": "submit_music", "code": "200"]) == 16)
        #expect(early.sum("suno_proxy_requests_total", ["endpoint": "submit_lyrics", "code": "200"]) == 4)
        #expect(early.sum("suno_proxy_request_duration_seconds_count") == 20)
        #expect(early.sum("suno_proxy_registration_failures_total") == 0)

        // Past every timeline and the upstream timeout: finished counts equal the simulator's truth.
        await harness.runCycles(60, step: 15)
        let final = harness.simulator.groundTruth()
        #expect(final.allSatisfy { $0.isTerminal })
        let metrics = try await harness.scrape()
        for (status, outcome) in [("SUCCESS", "success"), ("FAILURE", "failure")] {
            for action in SimulatedAction.allCases {
                let expected = final.filter { $0.status == status && $0.action == action }.count
                #expect(
                    metrics.sum("suno_tasks_finished_total", ["action": action.rawValue, "outcome": outcome])
                        == Double(expected), "\(action) \(outcome)")
            }
        }
        #expect(final.contains { $0.status == "FAILURE" })
        #expect(metrics.sum("suno_tasks_finished_total", ["outcome": "expired"]) == 0)

        // The client's key is nowhere: not in a log line, not in the database files.
        let secret = "clientSecret7781"
        #expect(harness.logs.all.isEmpty == false)
        #expect(!harness.logs.all.contains { $0.contains(secret) })
        #expect(!harness.storeFiles().contains(text: secret))
        #expect(!harness.storeFiles().contains(text: Self.clientKey))
    }

    /// The exporter never lends its key: a request without one reaches the gateway without one.
    @Test func aRequestWithoutAKeyGetsTheGatewaysRefusal() async throws {
        let harness = try ProxyHarness(gatewayKey: Self.clientKey, exporterKey: Self.exporterKey)
        defer { harness.stop() }
        let anonymous = try await harness.submit(json: #"{"gpt_description_prompt":"x"}"#)
        #expect(anonymous.status == 401)
        #expect(anonymous.text.contains("Invalid token"))
        let wrong = try await harness.submit(json: #"{"gpt_description_prompt":"x"}"#, key: "sk-other-account")
        #expect(wrong.status == 401)
        #expect(harness.simulator.stats.tasksSubmitted == 0)
        #expect(try harness.store.counts().tasks == 0)
        // The exporter's own key is valid, so a 200 here would have meant it was added.
        let direct = try await TestHTTP.send(
            "POST", harness.simulator.baseURL + "/suno/submit/music", text: #"{"gpt_description_prompt":"x"}"#,
            headers: ["Authorization": "Bearer \(Self.exporterKey)"])
        #expect(direct.status == 200)
    }

    /// Each gateway failure as a client would get it directly, with the request id taken out (it
    /// differs per request), compared with what the same failure gives through the proxy.
    @Test(arguments: [
        SimulatorFault.unauthorized, .rateLimitEmptyBody, .serverError(500), .serverError(503), .htmlErrorPage,
        .malformedJSON,
    ])
    func gatewayErrorsReachTheClientUnchangedAndRegisterNothing(_ fault: SimulatorFault) async throws {
        let harness = try ProxyHarness()
        defer { harness.stop() }
        let body = #"{"gpt_description_prompt":"x","mv":"chirp-v4"}"#
        harness.simulator.setFault(fault, forNextRequests: 1)
        let direct = try await TestHTTP.send("POST", harness.simulator.baseURL + "/suno/submit/music", text: body)
        harness.simulator.setFault(fault, forNextRequests: 1)
        let proxied = try await harness.submit(json: body)
        #expect(proxied.status == direct.status)
        #expect(proxied.header("Content-Type") == direct.header("Content-Type"))
        #expect(proxied.header("X-Oneapi-Request-Id") != nil)
        #expect(Self.withoutRequestID(proxied) == Self.withoutRequestID(direct))
        #expect(harness.simulator.stats.tasksSubmitted == 0)
        #expect(try harness.store.counts().tasks == 0)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_proxy_requests_total", ["endpoint": "submit_music"]) == 1)
        #expect(metrics.sum("suno_proxy_requests_total", ["code": String(direct.status)]) == 1)
        // A 2xx that is not a submit answer may hide a created task: counted so it can be looked for.
        #expect(metrics.sum("suno_proxy_registration_failures_total") == (fault == .malformedJSON ? 1 : 0))
        #expect(metrics.sum("suno_tasks_registered_total", ["source": "proxy"]) == 0)
    }

    /// The fetch routes pass through, so a client's whole base URL can point at the exporter.
    @Test func fetchRoutesPassThrough() async throws {
        let harness = try ProxyHarness()
        defer { harness.stop() }
        let id = try #require(
            try await harness.submit(json: #"{"gpt_description_prompt":"x"}"#).object()["data"] as? String)
        let batch = #"{"ids":["\#(id)","unknown-id"],"action":"MUSIC"}"#
        let direct = try await TestHTTP.send("POST", harness.simulator.baseURL + "/suno/fetch", text: batch)
        let proxied = try await TestHTTP.send("POST", harness.baseURL + "/suno/fetch", text: batch)
        #expect(proxied.status == 200)
        #expect(proxied.body == direct.body)
        let one = try await TestHTTP.send("GET", harness.baseURL + "/suno/fetch/" + id)
        #expect(try one.object()["code"] as? String == "success")
        let missing = try await TestHTTP.send("GET", harness.baseURL + "/suno/fetch/no%20such%20id")
        #expect(missing.status == 400)
        #expect(missing.text.contains("task_not_exist"))
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_proxy_requests_total", ["endpoint": "fetch", "code": "200"]) == 1)
        #expect(metrics.sum("suno_proxy_requests_total", ["endpoint": "fetch_one"]) == 2)
        // Fetches register nothing.
        #expect(try harness.store.counts().tasks == 1)
    }

    @Test func wrongMethodsAndOtherPathsAreNotForwarded() async throws {
        let harness = try ProxyHarness()
        defer { harness.stop() }
        let get = try await TestHTTP.send("GET", harness.baseURL + "/suno/submit/music")
        #expect(get.status == 405)
        #expect(get.header("Allow") == "POST")
        let other = try await TestHTTP.send("POST", harness.baseURL + "/suno/anything", text: "{}")
        #expect(other.status == 404)
        #expect(harness.simulator.stats.requests.isEmpty)
    }

    @Test func theProxyIsOffByDefault() async throws {
        let harness = try ProxyHarness(proxy: nil)
        defer { harness.stop() }
        let reply = try await harness.submit(json: #"{"gpt_description_prompt":"x"}"#)
        #expect(reply.status == 404)
        #expect(harness.simulator.stats.requests.isEmpty)
        #expect(!(try await harness.scrape()).has("suno_proxy_requests_total"))
    }

    /// The body with the answer's `X-Oneapi-Request-Id` replaced (the 401 message quotes it).
    static func withoutRequestID(_ reply: HTTPReply) -> String {
        guard let id = reply.header("X-Oneapi-Request-Id") else { return reply.text }
        return reply.text.replacingOccurrences(of: id, with: "<request id>")
    }
}

import Foundation
import SunoSimulator
import SunoTestSupport
import Testing

/// Injected faults (COMETAPI.md §8, §10.8): each one, and how long it lasts.
@Suite("Simulator faults")
struct SimulatorFaultTests {
    @Test func rateLimitAnswers429WithAnEmptyBodyAndNoRetryAfter() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.setFault(.rateLimitEmptyBody, forNextRequests: 1)
            let limited = try await SimulatorClient.fetch(simulator, ids: ["a"])
            #expect(limited.status == 429)
            #expect(limited.body.isEmpty)
            #expect(limited.header("Retry-After") == nil)
            #expect(limited.header("X-Oneapi-Request-Id")?.isEmpty == false)
            let next = try await SimulatorClient.fetch(simulator, ids: ["a"])
            #expect(next.status == 200)
            let stats = simulator.stats
            #expect(stats.faultsInjected == 1)
            #expect(stats.count(.fetchBatch) == 2)
            #expect(stats.fetchRequests == 1)
        }
    }

    @Test(arguments: [500, 502, 503, 504, 524])
    func serverErrorsAnswerATaskEnvelope(status: Int) async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.setFault(.serverError(status), forNextRequests: 2)
            let fetch = try await SimulatorClient.fetch(simulator, ids: ["a"])
            #expect(fetch.status == status)
            #expect(fetch.header("Content-Type")?.hasPrefix("application/json") == true)
            let object = try fetch.object()
            #expect(object["code"] as? String == "get_tasks_failed")
            #expect((object["message"] as? String)?.isEmpty == false)
            #expect(object["data"] is NSNull)
            let submit = try await TestHTTP.send(
                "POST", simulator.baseURL + "/suno/submit/music", text: #"{"prompt":"x"}"#)
            #expect(submit.status == status)
            #expect(try submit.object()["code"] as? String == "fail_to_fetch_task")
            #expect(simulator.groundTruth().isEmpty)
        }
    }

    @Test func malformedJSONComesWithStatus200() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            simulator.setFault(.malformedJSON, forNextRequests: 1)
            let reply = try await SimulatorClient.fetch(simulator, ids: [id])
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(!reply.body.isEmpty)
            #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: reply.body) }
        }
    }

    @Test func htmlErrorPageIsA502InHTML() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.setFault(.htmlErrorPage, forNextRequests: 1)
            let reply = try await SimulatorClient.fetch(simulator, ids: ["a"])
            #expect(reply.status == 502)
            #expect(reply.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(reply.text.contains("<h1>502 Bad Gateway</h1>"))
        }
    }

    @Test func unauthorizedFaultAnswersTheOpenAIEnvelopeWithoutAKeyConfigured() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.setFault(.unauthorized, forNextRequests: 1)
            let reply = try await SimulatorClient.fetch(simulator, ids: ["a"])
            #expect(reply.status == 401)
            let error = try #require(try reply.object()["error"] as? [String: Any])
            #expect((error["message"] as? String)?.hasPrefix("Invalid token (request id: ") == true)
            #expect(error["type"] as? String == "comet_api_error")
            #expect(error["code"] as? String == "")
        }
    }

    @Test func countedFaultsExpireAndUncountedOnesLastUntilCleared() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.setFault(.serverError(500), forNextRequests: 2)
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await SimulatorClient.fetch(simulator, ids: []).status) }
            #expect(statuses == [500, 500, 200])

            simulator.setFault(.rateLimitEmptyBody)
            statuses = []
            for _ in 0..<4 { statuses.append(try await SimulatorClient.fetch(simulator, ids: []).status) }
            #expect(statuses == [429, 429, 429, 429])
            simulator.setFault(.none)
            #expect(try await SimulatorClient.fetch(simulator, ids: []).status == 200)

            simulator.setFault(.serverError(500), forNextRequests: 0)
            #expect(try await SimulatorClient.fetch(simulator, ids: []).status == 200)
            #expect(simulator.stats.faultsInjected == 6)
        }
    }

    @Test func slowAnswersArriveLateButIntact() async throws {
        try await withSimulator(SimulatorConfiguration()) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            simulator.setFault(.slow(seconds: 0.5), forNextRequests: 1)
            let started = ContinuousClock.now
            let reply = try await SimulatorClient.fetch(simulator, ids: [id])
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(450))
            #expect(reply.status == 200)
            #expect(try reply.items().count == 1)
        }
    }

    @Test func slowAnswersTripAClientTimeoutWhileOtherRequestsAreServed() async throws {
        // The slow answer is held for a minute (stopping the simulator ends it); the client gives up after
        // 10 s, long enough for its request to reach the server even on a loaded machine.
        try await withSimulator(SimulatorConfiguration()) { simulator in
            simulator.setFault(.slow(seconds: 60), forNextRequests: 1)
            let body = #"{"ids":[]}"#
            let url = simulator.baseURL + "/suno/fetch"
            let slow = Task { try await TestHTTP.send("POST", url, text: body, timeout: 10) }
            let arrived = await eventually(within: 60) { simulator.stats.count(.fetchBatch) == 1 }
            #expect(arrived)
            // Another connection is answered while the slow one is still held: the server has a thread per
            // connection. (Waiting behind the slow answer would take a minute.)
            let quick = try await TestHTTP.send("POST", url, text: body, timeout: 30)
            #expect(quick.status == 200)
            await #expect(throws: (any Error).self) { try await slow.value }
        }
    }

    @Test func stopEndsASlowAnswerAtOnce() async throws {
        let simulator = SunoSimulator(configuration: SimulatorConfiguration(), logger: quietLogger)
        try simulator.start()
        simulator.setFault(.slow(seconds: 120))
        let url = simulator.baseURL + "/suno/fetch"
        let request = Task { try await TestHTTP.send("POST", url, text: "{}", timeout: 60) }
        let arrived = await eventually(within: 60) { simulator.stats.count(.fetchBatch) == 1 }
        #expect(arrived)
        let started = ContinuousClock.now
        simulator.stop()
        // Far below the 120 s the answer was held for (room for a loaded machine to join the thread).
        #expect(ContinuousClock.now - started < .seconds(20))
        _ = try? await request.value
    }
}

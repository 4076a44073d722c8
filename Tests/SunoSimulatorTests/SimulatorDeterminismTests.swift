import Foundation
import SunoSimulator
import SunoTestSupport
import Testing

/// The same seed and the same clock give the same gateway, byte for byte.
@Suite("Simulator determinism")
struct SimulatorDeterminismTests {
    /// Submits the same mix over HTTP and returns the ids and the batch answer bodies at a few instants.
    static func run(seed: UInt64) async throws -> (ids: [String], bodies: [String]) {
        let clock = ManualClock()
        var configuration = SimulatorConfiguration.demo()
        configuration.seed = seed
        configuration.clock = .manual(clock)
        return try await withSimulator(configuration) { simulator in
            var ids: [String] = []
            for index in 0..<30 {
                let (path, body) =
                    index % 5 == 4
                    ? ("/suno/submit/lyrics", #"{"prompt":"verse \#(index)"}"#)
                    : ("/suno/submit/music", #"{"gpt_description_prompt":"song \#(index)","mv":"chirp-crow"}"#)
                let reply = try await TestHTTP.send("POST", simulator.baseURL + path, text: body)
                ids.append(try #require(try reply.object()["data"] as? String))
                clock.advance(by: 1.5)
            }
            var bodies: [String] = []
            for step in [0.0, 20, 60, 200, 900] {
                clock.advance(by: step)
                bodies.append(try await SimulatorClient.fetch(simulator, ids: ids.reversed()).text)
            }
            return (ids, bodies)
        }
    }

    @Test func sameSeedSameAnswers() async throws {
        let first = try await Self.run(seed: 99)
        let second = try await Self.run(seed: 99)
        #expect(first.ids == second.ids)
        #expect(first.bodies == second.bodies)
        #expect(first.bodies.last?.contains(#""status":"SUCCESS""#) == true)
    }

    @Test func otherSeedOtherTasks() async throws {
        let first = try await Self.run(seed: 1)
        let second = try await Self.run(seed: 2)
        #expect(Set(first.ids).isDisjoint(with: second.ids))
    }

    @Test func tasksDoNotDependOnTheSubmittingThread() async throws {
        let configuration = SimulatorConfiguration(seed: 5, clock: .manual(ManualClock()))
        let sequential = SunoSimulator(configuration: configuration, logger: quietLogger)
        let expected = (0..<50).map { _ in sequential.submit(action: "MUSIC", model: nil, prompt: "x") }
        let concurrent = SunoSimulator(configuration: configuration, logger: quietLogger)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { concurrent.submit(action: "MUSIC", model: nil, prompt: "x") }
            }
        }
        // Whatever the interleaving, the n-th submission gets the n-th id and the same plan.
        #expect(concurrent.groundTruth().map(\.id) == expected)
        #expect(concurrent.groundTruth() == sequential.groundTruth())
    }
}

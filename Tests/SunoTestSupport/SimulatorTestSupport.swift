import Foundation
import SunoSimulator
import Testing

/// Gateway requests to a simulator, over `TestHTTP`.
package enum SimulatorClient {
    /// `POST /suno/fetch` for `ids`.
    package static func fetch(_ simulator: SunoSimulator, ids: [String], action: String = "MUSIC") async throws
        -> HTTPReply
    {
        try await TestHTTP.send("POST", simulator.baseURL + "/suno/fetch", json: ["ids": ids, "action": action])
    }

    /// The items of every task in `ids`, fetched in batches of at most 100.
    package static func fetchAll(_ simulator: SunoSimulator, ids: [String]) async throws -> [String: [String: Any]] {
        var byID: [String: [String: Any]] = [:]
        for start in stride(from: 0, to: ids.count, by: 100) {
            let reply = try await fetch(simulator, ids: Array(ids[start..<min(start + 100, ids.count)]))
            #expect(reply.status == 200)
            for item in try reply.items() {
                if let id = item["task_id"] as? String { byID[id] = item }
            }
        }
        return byID
    }
}

/// Starts a simulator on a free loopback port, runs `body`, and always stops it.
package func withSimulator<T>(
    _ configuration: SimulatorConfiguration, _ body: (SunoSimulator) async throws -> T
) async throws -> T {
    let simulator = SunoSimulator(configuration: configuration, logger: quietLogger)
    try simulator.start()
    defer { simulator.stop() }
    return try await body(simulator)
}

/// A configuration on a manual clock whose profiles use one fixed timeline (5 s, 10 s, 20 s, 60 s).
package func manualSimulatorConfiguration(
    clock: ManualClock, failure: Double = 0, timeout: Double = 0, hang: Double = 0, frozen: Double = 0,
    seed: UInt64 = 1
) -> SimulatorConfiguration {
    let timeline = PhaseTimeline(toSubmitted: 5...5, toQueued: 10...10, toInProgress: 20...20, toDone: 60...60)
    return SimulatorConfiguration(
        models: [
            ModelProfile(
                action: .music, model: nil, timeline: timeline, failureShare: failure, timeoutShare: timeout,
                hangShare: hang, frozenShare: frozen),
            ModelProfile(
                action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 8...8), failureShare: failure,
                timeoutShare: timeout, hangShare: hang, frozenShare: frozen),
        ],
        seed: seed, earlyStartShare: 0, clock: .manual(clock))
}

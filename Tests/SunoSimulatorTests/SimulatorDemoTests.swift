import Foundation
import SunoSimulator
import SunoTestSupport
import Testing

/// The demo configuration and workload behind `suno-exporter serve --demo`.
@Suite("Simulator demo")
struct SimulatorDemoTests {
    @Test func demoConfigurationCoversFiveMusicModelsAndLyrics() {
        let configuration = SimulatorConfiguration.demo()
        let music = configuration.models.filter { $0.action == .music }.compactMap(\.model)
        #expect(music == ["chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow"])
        #expect(configuration.models.contains { $0.action == .lyrics })
        #expect(configuration.timeScale == 1)
        for profile in configuration.models {
            let shares = profile.failureShare + profile.timeoutShare + profile.hangShare + profile.frozenShare
            #expect(shares > 0 && shares < 0.2)
        }
    }

    @Test func workloadSubmitsSteadilyAcrossModelsAndStopsWhenCancelled() async throws {
        var configuration = SimulatorConfiguration.demo()
        configuration.timeScale = 0.01
        try await withSimulator(configuration) { simulator in
            let seen = Recorder<SimulatorDemoRecord>()
            let workload = DemoWorkload(
                simulator: simulator,
                configuration: DemoWorkload.Configuration(tasksPerMinute: 3_000, lyricsShare: 0.2, backfillTasks: 10),
                logger: quietLogger
            ) { id, action, model in
                seen.append(SimulatorDemoRecord(id: id, action: action, model: model))
            }
            let running = Task { await workload.run() }
            let enough = await eventually(within: 90) { seen.values.count >= 60 }
            running.cancel()
            await running.value
            #expect(enough)

            let records = seen.values
            let truth = Dictionary(uniqueKeysWithValues: simulator.groundTruth().map { ($0.id, $0) })
            #expect(truth.count == records.count)
            for record in records {
                let task = try #require(truth[record.id])
                #expect(task.action.rawValue == record.action)
                #expect(task.model == record.model)
                #expect((record.action == "LYRICS") == (record.model == nil))
            }
            #expect(Set(records.compactMap(\.model)).count == 5)
            #expect(records.contains { $0.action == "LYRICS" })
            // The backfill starts in the past, so some tasks are already done on the first poll.
            let backfill = records.prefix(10).compactMap { truth[$0.id] }
            #expect(backfill.contains { $0.submitTime < Int64(Date().timeIntervalSince1970) - 1 })
            let countAfterCancel = records.count
            try await Task.sleep(for: .milliseconds(100))
            #expect(seen.values.count == countAfterCancel)
        }
    }
}

/// One callback of the demo workload.
struct SimulatorDemoRecord: Sendable {
    var id: String
    var action: String
    var model: String?
}

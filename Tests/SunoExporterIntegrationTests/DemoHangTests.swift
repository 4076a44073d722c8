import Foundation
import SunoSimulator
import Testing

/// `serve --demo --demo.hang`: the demo gateway where no task ever finishes, used by the alert-path test
/// (Tests/deploy/alert_path.py) to make `SunoTasksStuck` fire for real.
struct DemoHangTests {
    private static func submitDemoTasks(_ configuration: SimulatorConfiguration, clock: ManualClock) async throws
        -> [SimulatedTask]
    {
        var configuration = configuration
        configuration.clock = .manual(clock)
        return try await withSimulator(configuration) { simulator in
            let models = ["chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow"]
            for index in 0..<60 {
                simulator.submit(action: "MUSIC", model: models[index % models.count], prompt: "hang \(index)")
            }
            for index in 0..<10 {
                simulator.submit(action: "LYRICS", model: nil, prompt: "hang lyrics \(index)")
            }
            // Two days: past every timeline, the upstream timeout and any gateway sweep.
            clock.advance(by: 2 * 86_400)
            return simulator.groundTruth()
        }
    }

    @Test func everyDemoTaskHangsUnfinished() async throws {
        let truth = try await Self.submitDemoTasks(.demo().everyTaskHanging(), clock: ManualClock())
        #expect(truth.count == 70)
        #expect(truth.allSatisfy { !$0.isFinished && $0.isHanging && $0.finishTime == 0 })
        let statuses = Set(truth.map(\.status))
        #expect(statuses.isSubset(of: ["NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS"]), "\(statuses)")
        #expect(statuses.count >= 2, "tasks hang at different stages: \(statuses)")
    }

    @Test func theOrdinaryDemoFinishesTheSameTasks() async throws {
        // The contrast that makes the test above meaningful: without the option, nearly all of them end.
        let truth = try await Self.submitDemoTasks(.demo(), clock: ManualClock())
        #expect(truth.filter(\.isFinished).count >= 60)
    }

    @Test func onlyTheOutcomesChange() {
        let demo = SimulatorConfiguration.demo()
        let hanging = demo.everyTaskHanging()
        #expect(hanging.models.map(\.model) == demo.models.map(\.model))
        #expect(hanging.models.map(\.timeline) == demo.models.map(\.timeline))
        #expect(hanging.seed == demo.seed)
        #expect(hanging.gatewaySweepAfter == nil)
    }
}

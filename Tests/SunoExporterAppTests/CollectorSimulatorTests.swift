import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import SunoTestSupport
import Testing

/// The collector against the simulator on a loopback port: the metrics must match the
/// simulator's ground truth exactly.
@Suite(.serialized)
struct CollectorSimulatorTests {
    static let timeline = PhaseTimeline(toSubmitted: 2...10, toQueued: 5...20, toInProgress: 10...60, toDone: 40...200)

    static let profiles: [ModelProfile] = [
        ModelProfile(action: .music, model: "chirp-v4", timeline: timeline, failureShare: 0.2, timeoutShare: 0.1),
        ModelProfile(action: .music, model: "chirp-crow", timeline: timeline, failureShare: 0.1, hangShare: 0.15),
        ModelProfile(action: .music, model: "chirp-auk", timeline: timeline, failureShare: 0.3),
        ModelProfile(action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 2...15)),
    ]

    @Test func finishedCountsAndDurationSumsMatchGroundTruth() async throws {
        let settings = CollectorSettings(
            interval: 15, batchSize: 7, concurrency: 2,
            policy: LifecyclePolicy(giveUpAfter: 1_800, missingGrace: 300))
        let harness = try CollectorHarness(models: Self.profiles, settings: settings)
        defer { harness.stop() }
        let music = try harness.submitAndRegister(60, models: ["chirp-v4", "chirp-crow", "chirp-auk"])
        let lyrics = try harness.submitAndRegister(10, action: "LYRICS", models: [nil])
        // Ids the gateway never returns: they must expire after the missing grace, not vanish.
        try harness.assembly.store.register(
            (0..<3).map { Registration(id: "ghost-\($0)", action: .music, model: "chirp-v4") }, source: "cli",
            now: harness.clock.now)

        // Mid-run: queue depth is visible and agrees with the store.
        await harness.runCycles(2, step: 15)
        let early = try await harness.scrape()
        #expect(early.sum("suno_tasks") > 0)
        #expect(early.sum("suno_upstream_up") == 1)
        #expect(early.sum("suno_tasks_registered_total") == 73)

        // Run well past every timeline, the upstream timeout and the give-up horizon.
        await harness.runCycles(150, step: 15)
        let truth = harness.simulator.groundTruth()
        #expect(truth.count == music.count + lyrics.count)
        #expect(truth.filter(\.isFrozen).isEmpty)
        let metrics = try await harness.scrape()

        // Finished counts by model and outcome equal the simulator's terminal tasks; hanging tasks and
        // ghosts are expired by the exporter.
        for model in ["chirp-v4", "chirp-crow", "chirp-auk"] {
            for outcome in ["SUCCESS", "FAILURE"] {
                let expected = truth.filter { $0.model == model && $0.status == outcome }.count
                let label = outcome == "SUCCESS" ? "success" : "failure"
                #expect(
                    metrics.sum("suno_tasks_finished_total", ["action": "MUSIC", "model": model, "outcome": label])
                        == Double(expected), "\(model) \(label)")
            }
        }
        let lyricsDone = truth.filter { $0.action == .lyrics && $0.status == "SUCCESS" }.count
        #expect(lyricsDone == lyrics.count)
        #expect(
            metrics.sum("suno_tasks_finished_total", ["action": "LYRICS", "outcome": "success"]) == Double(lyricsDone))
        let hanging = truth.filter(\.isHanging).count
        #expect(hanging > 0)
        #expect(metrics.sum("suno_tasks_finished_total", ["outcome": "expired"]) == Double(hanging + 3))

        // The sum of durations from gateway timestamps, exactly.
        for (outcome, label) in [("SUCCESS", "success"), ("FAILURE", "failure")] {
            let expected = truth.filter { $0.status == outcome }.reduce(Int64(0)) {
                $0 + ($1.finishTime - $1.submitTime)
            }
            #expect(metrics.sum("suno_task_duration_seconds_sum", ["outcome": label]) == Double(expected), "\(label)")
            #expect(
                metrics.sum("suno_task_duration_seconds_count", ["outcome": label])
                    == metrics.sum("suno_tasks_finished_total", ["outcome": label]))
        }
        // Failure reasons: every FAILURE is classified; timeouts as upstream_timeout.
        let timeouts = truth.filter { $0.status == "FAILURE" && $0.failReason == "time out" }.count
        #expect(metrics.sum("suno_task_failures_total", ["reason": "upstream_timeout"]) == Double(timeouts))
        #expect(
            metrics.sum("suno_task_failures_total") == metrics.sum("suno_tasks_finished_total", ["outcome": "failure"]))
        // Nothing is left in the queue, nothing is stuck.
        #expect(metrics.sum("suno_tasks") == 0)
        #expect(metrics.sum("suno_tasks_stuck") == 0)
        // Every MUSIC task that streamed had its first audio observed once; queue waits once per started task.
        let started = truth.filter { $0.action == .music && $0.startTime > 0 && $0.startTime != $0.submitTime }.count
        #expect(metrics.sum("suno_task_queue_wait_seconds_count", ["action": "MUSIC"]) >= Double(started) * 0.5)
        #expect(metrics.sum("suno_upstream_ids_missing_total") > 0)
        #expect(metrics.sum("suno_collector_last_success_timestamp_seconds") == harness.clock.now)
    }

    @Test func stuckTasksAreCountedAndStillPolled() async throws {
        let hangAll = [ModelProfile(action: .music, model: "chirp-v4", timeline: Self.timeline, hangShare: 1)]
        let settings = CollectorSettings(
            policy: LifecyclePolicy(stuckAfter: [.music: 600, .lyrics: 180], giveUpAfter: 7_200))
        let harness = try CollectorHarness(models: hangAll, settings: settings)
        defer { harness.stop() }
        try harness.submitAndRegister(5, models: ["chirp-v4"])
        await harness.runCycles(30, step: 30)  // 15 minutes
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_tasks_stuck", ["action": "MUSIC", "model": "chirp-v4"]) == 5)
        #expect(metrics.sum("suno_tasks", ["action": "MUSIC"]) == 5)
        #expect(metrics.sum("suno_tasks_finished_total") == 0)
        let polls = try harness.assembly.store.activeTasks().map(\.pollCount)
        #expect(polls.allSatisfy { $0 == 30 })
        let oldest = metrics.samples.filter { $0.name == "suno_task_oldest_submit_timestamp_seconds" }.map(\.value)
            .min()
        #expect(oldest != nil && oldest! <= harness.clock.now - 600)
    }

    @Test func frozenFailuresEndOnceAtDecisionTime() async throws {
        let frozen = [ModelProfile(action: .music, model: "chirp-v4", timeline: Self.timeline, frozenShare: 1)]
        let harness = try CollectorHarness(models: frozen)
        defer { harness.stop() }
        try harness.submitAndRegister(4, models: ["chirp-v4"])
        await harness.runCycles(40, step: 15)
        let truth = harness.simulator.groundTruth()
        #expect(truth.allSatisfy { $0.isFrozen })
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_tasks_finished_total", ["outcome": "failure"]) == 4)
        #expect(metrics.sum("suno_task_duration_seconds_count", ["outcome": "failure"]) == 4)
        #expect(metrics.sum("suno_tasks") == 0)
        let pollsAfterFinish = try harness.assembly.store.list(TaskFilter(status: .outcome(.failure))).map(\.pollCount)
        await harness.runCycles(3, step: 15)
        #expect(
            try harness.assembly.store.list(TaskFilter(status: .outcome(.failure))).map(\.pollCount) == pollsAfterFinish
        )
    }

    @Test func modelsBeyondTheLimitBecomeOther() async throws {
        let quick = PhaseTimeline(toSubmitted: 1...2, toQueued: 1...2, toInProgress: 1...2, toDone: 5...10)
        let models = ["m-a", "m-b", "m-c", "m-d"].map { ModelProfile(action: .music, model: $0, timeline: quick) }
        let settings = CollectorSettings(maxModels: 2)
        let harness = try CollectorHarness(models: models, settings: settings)
        defer { harness.stop() }
        try harness.submitAndRegister(8, models: ["m-a", "m-b", "m-c", "m-d"])
        await harness.runCycles(10, step: 15)
        let metrics = try await harness.scrape()
        let modelLabels = Set(
            metrics.samples.filter { $0.name == "suno_tasks_finished_total" }.compactMap { $0.labels["model"] })
        // Whichever two models finished first are admitted (and persisted); the rest share `other`.
        #expect(modelLabels.count == 4 && modelLabels.isSuperset(of: ["other", "unknown"]))
        #expect(try Set(harness.assembly.store.admittedModels()) == modelLabels.subtracting(["other", "unknown"]))
        #expect(metrics.sum("suno_tasks_finished_total", ["model": "other"]) == 4)
        #expect(metrics.sum("suno_tasks_finished_total") == 8)
    }
}

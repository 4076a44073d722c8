import Foundation
import SunoSimulator
import SunoTestSupport
import Testing

/// Task lifecycles (COMETAPI.md §5, §6) on a manual clock, and the ground truth they must match.
@Suite("Simulator timelines")
struct SimulatorTimelineTests {
    static let start: Int64 = 1_751_871_000

    /// The one item of `id`, fetched by batch.
    static func item(_ simulator: SunoSimulator, _ id: String) async throws -> [String: Any] {
        try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
    }

    static func clips(_ item: [String: Any]) throws -> [[String: Any]] {
        try #require(item["data"] as? [[String: Any]])
    }

    @Test func musicTaskWalksEveryStatusToSuccess() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock)) { simulator in
            let id = simulator.submit(action: "MUSIC", model: "chirp-bluejay", prompt: "lofi")

            var item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "NOT_START")
            #expect(item["progress"] as? String == "0%")
            #expect(item["data"] is NSNull)
            #expect(jsonInt64(item["start_time"]) == 0 && jsonInt64(item["finish_time"]) == 0)

            clock.advance(by: 5)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "SUBMITTED")
            for clip in try Self.clips(item) {
                #expect(clip["status"] as? String == "submitted")
                #expect(clip["title"] as? String == "Untitled")
                #expect(clip["audio_url"] as? String == "")
                #expect(clip["image_url"] is NSNull)
                #expect(clip["video_url"] as? String == "")
            }

            clock.advance(by: 10)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "QUEUED")
            #expect(try Self.clips(item).map { $0["status"] as? String } == ["queued", "queued"])

            clock.advance(by: 20)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "IN_PROGRESS")
            #expect(item["progress"] as? String == "0%")
            #expect(jsonInt64(item["start_time"]) == Self.start + 35)
            for clip in try Self.clips(item) {
                let clipID = try #require(clip["id"] as? String)
                #expect(clip["status"] as? String == "streaming")
                #expect(clip["audio_url"] as? String == "https://audiopipe.suno.ai/?item_id=\(clipID)")
                #expect(clip["image_url"] as? String == "https://cdn2.suno.ai/image_\(clipID).jpeg")
                #expect(clip["title"] as? String != "Untitled")
            }

            clock.advance(by: 60)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "SUCCESS")
            #expect(item["progress"] as? String == "100%")
            #expect(item["fail_reason"] as? String == "")
            #expect(jsonInt64(item["submit_time"]) == Self.start)
            #expect(jsonInt64(item["start_time"]) == Self.start + 35)
            #expect(jsonInt64(item["finish_time"]) == Self.start + 95)
            for clip in try Self.clips(item) {
                let clipID = try #require(clip["id"] as? String)
                #expect(clip["status"] as? String == "complete")
                #expect(clip["audio_url"] as? String == "https://cdn1.suno.ai/\(clipID).mp3")
                #expect(clip["video_url"] as? String == "https://cdn1.suno.ai/\(clipID).mp4")
                #expect(clip["image_large_url"] as? String == "https://cdn2.suno.ai/image_large_\(clipID).jpeg")
                #expect(clip["major_model_version"] as? String == "v4.5+")
            }

            let truth = try #require(simulator.groundTruth().first)
            #expect(truth.status == "SUCCESS" && truth.plannedEnding == .success && truth.durationSeconds == 95)
        }
    }

    @Test(arguments: 1...8 as ClosedRange<UInt64>)
    func failuresShowAnErrorClipWhoseMessageIsTheFailReason(seed: UInt64) async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock, failure: 1, seed: seed)) { simulator in
            let id = simulator.submit(action: "MUSIC", model: "chirp-auk", prompt: "x")
            clock.advance(by: 1_000)
            let item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "FAILURE")
            #expect(item["progress"] as? String == "100%")
            let clips = try Self.clips(item)
            let errors = clips.filter { $0["status"] as? String == "error" }
            #expect(!errors.isEmpty)
            let metadata = try #require(errors.first?["metadata"] as? [String: Any])
            let reason = try #require(item["fail_reason"] as? String)
            #expect(!reason.isEmpty)
            #expect(metadata["error_message"] as? String == reason)
            #expect(errors.first?["audio_url"] as? String == "")
            let finish = try #require(jsonInt64(item["finish_time"]))
            // Early (moderation) failures end when the task would have queued; late ones when it would have finished.
            #expect(finish == Self.start + 15 || finish == Self.start + 95)
            if finish == Self.start + 15 {
                #expect(jsonInt64(item["start_time"]) == 0)
            } else {
                #expect(jsonInt64(item["start_time"]) == Self.start + 35)
                #expect(clips.contains { ["complete", "streaming"].contains($0["status"] as? String) })
            }
            let truth = try #require(simulator.groundTruth().first)
            #expect(truth.failReason == reason && truth.finishTime == finish && truth.plannedEnding == .failure)
        }
    }

    @Test func failureMayKeepACompleteClip() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock, failure: 1, seed: 3)) { simulator in
            let ids = (0..<40).map { simulator.submit(action: "MUSIC", model: nil, prompt: "song \($0)") }
            clock.advance(by: 1_000)
            let items = try await SimulatorClient.fetchAll(simulator, ids: ids)
            let layouts = Set(
                try items.values.map {
                    try Self.clips($0).compactMap { $0["status"] as? String }.joined(separator: "+")
                })
            #expect(layouts == ["complete+error", "error+streaming", "error+error"])
        }
    }

    @Test func timeoutsFailWithTimeOutAtTheUpstreamDeadline() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock, timeout: 1)) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            clock.advance(by: 599)
            var item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "IN_PROGRESS")
            clock.advance(by: 1)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "FAILURE")
            #expect(item["fail_reason"] as? String == "time out")
            #expect(item["progress"] as? String == "100%")
            #expect(jsonInt64(item["finish_time"]) == Self.start + 600)
            #expect(try Self.clips(item).map { $0["status"] as? String } == ["streaming", "streaming"])
        }
    }

    @Test func hangingTasksNeverFinish() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock, hang: 1)) { simulator in
            let ids = (0..<20).map { simulator.submit(action: "MUSIC", model: nil, prompt: "song \($0)") }
            clock.advance(by: 1_000_000)
            let items = try await SimulatorClient.fetchAll(simulator, ids: ids)
            let statuses = Set(items.values.compactMap { $0["status"] as? String })
            #expect(statuses.isSubset(of: ["NOT_START", "QUEUED", "IN_PROGRESS"]))
            #expect(statuses.count >= 2)
            #expect(items.values.allSatisfy { $0["progress"] as? String == "0%" && jsonInt64($0["finish_time"]) == 0 })
            #expect(simulator.groundTruth().allSatisfy { $0.isHanging && !$0.isFinished })
        }
    }

    @Test func gatewaySweepFailsHangingTasksAfterItsTimeout() async throws {
        let clock = ManualClock()
        var configuration = manualSimulatorConfiguration(clock: clock, hang: 1)
        configuration.gatewaySweepAfter = 86_400
        try await withSimulator(configuration) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            clock.advance(by: 86_399)
            #expect(try await Self.item(simulator, id)["status"] as? String != "FAILURE")
            clock.advance(by: 1)
            let item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "FAILURE")
            #expect(item["fail_reason"] as? String == "任务超时（1440分钟）")
            #expect(jsonInt64(item["finish_time"]) == Self.start + 86_400)
            let truth = try #require(simulator.groundTruth().first)
            #expect(truth.isHanging && truth.isTerminal && truth.durationSeconds == 86_400)
        }
    }

    @Test func frozenTasksShow100PercentAndAFailReasonButNoTerminalStatus() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock, frozen: 1)) { simulator in
            let ids = (0..<10).map { simulator.submit(action: "MUSIC", model: nil, prompt: "song \($0)") }
            clock.advance(by: 95)
            let first = try await SimulatorClient.fetchAll(simulator, ids: ids)
            clock.advance(by: 100_000)
            let later = try await SimulatorClient.fetchAll(simulator, ids: ids)
            for id in ids {
                let item = try #require(later[id])
                #expect(["NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS"].contains(item["status"] as? String))
                #expect(item["progress"] as? String == "100%")
                #expect((item["fail_reason"] as? String)?.isEmpty == false)
                #expect(jsonInt64(item["finish_time"]) == 0)
                #expect(first[id]?["status"] as? String == item["status"] as? String)
            }
            #expect(simulator.groundTruth().allSatisfy { $0.isFrozen && $0.isFinished && $0.durationSeconds == nil })
        }
    }

    @Test func startTimeMayEqualSubmitTimeBeforeTheWorkStarts() async throws {
        let clock = ManualClock()
        var configuration = manualSimulatorConfiguration(clock: clock)
        configuration.earlyStartShare = 1
        try await withSimulator(configuration) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            var item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "NOT_START")
            #expect(jsonInt64(item["start_time"]) == Self.start)
            clock.advance(by: 35)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "IN_PROGRESS")
            #expect(jsonInt64(item["start_time"]) == Self.start + 35)
        }
    }

    @Test func lyricsStayNotStartedUntilTheFirstPollThenSucceedAtOnce() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock)) { simulator in
            let id = simulator.submit(action: "LYRICS", model: nil, prompt: "a song about rain")
            clock.advance(by: 7.9)
            var item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "NOT_START")
            #expect(item["data"] is NSNull)
            #expect(item["progress"] as? String == "0%")
            clock.advance(by: 0.1)
            item = try await Self.item(simulator, id)
            #expect(item["status"] as? String == "SUCCESS")
            #expect(item["progress"] as? String == "100%")
            #expect(jsonInt64(item["submit_time"]) == Self.start)
            #expect(jsonInt64(item["start_time"]) == Self.start)
            #expect(jsonInt64(item["finish_time"]) == Self.start)
            let data = try #require(item["data"] as? [String: Any])
            #expect(Set(data.keys) == ["id", "status", "title", "text"])
            #expect(data["id"] as? String == id)
            #expect(data["status"] as? String == "complete")
            #expect((data["text"] as? String)?.contains("[Verse]") == true)
            #expect(simulator.groundTruth().first?.durationSeconds == 0)
        }
    }

    @Test func groundTruthMatchesEveryFetchAnswerAtEveryInstant() async throws {
        let clock = ManualClock()
        var configuration = SimulatorConfiguration.demo()
        configuration.clock = .manual(clock)
        configuration.itemShape = .newAPI2025
        // Raise the rare endings so each one shows up among 250 tasks.
        configuration.models = configuration.models.map { profile in
            var profile = profile
            profile.failureShare = 0.2
            profile.timeoutShare = 0.1
            profile.hangShare = 0.1
            profile.frozenShare = 0.1
            return profile
        }
        try await withSimulator(configuration) { simulator in
            let models = ["chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow"]
            var ids: [String] = []
            for index in 0..<250 {
                let lyrics = index % 6 == 5
                ids.append(
                    simulator.submit(
                        action: lyrics ? "LYRICS" : "MUSIC", model: lyrics ? nil : models[index % 5],
                        prompt: "p\(index)"))
                clock.advance(by: 0.37)
            }
            for step in [0.0, 3, 10, 30, 60, 120, 240, 500, 1_000] {
                clock.advance(by: step)
                let items = try await SimulatorClient.fetchAll(simulator, ids: ids)
                let truth = simulator.groundTruth()
                #expect(truth.count == ids.count && items.count == ids.count)
                for task in truth {
                    let item = try #require(items[task.id])
                    #expect(item["status"] as? String == task.status)
                    #expect(item["progress"] as? String == task.progress)
                    #expect(item["fail_reason"] as? String == task.failReason)
                    #expect(jsonInt64(item["submit_time"]) == task.submitTime)
                    #expect(jsonInt64(item["start_time"]) == task.startTime)
                    #expect(jsonInt64(item["finish_time"]) == task.finishTime)
                    if task.action == .music, let clips = item["data"] as? [[String: Any]] {
                        #expect(clips.allSatisfy { $0["model_name"] as? String == task.model })
                    }
                }
            }
            let truth = simulator.groundTruth()
            #expect(Set(truth.map(\.plannedEnding)) == Set(PlannedEnding.allCases))
            #expect(truth.filter { $0.plannedEnding != .hang }.allSatisfy { $0.isFinished })
            #expect(
                truth.filter(\.isTerminal).allSatisfy {
                    $0.finishTime >= $0.submitTime && $0.finishTime >= $0.startTime
                })
        }
    }

    @Test func realClockTimelinesReachTheirEndsWithASmallTimeScale() async throws {
        var configuration = SimulatorConfiguration.demo()
        configuration.timeScale = 0.01
        try await withSimulator(configuration) { simulator in
            let models = ["chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow"]
            let ids = (0..<40).map { index in
                simulator.submit(
                    action: index % 8 == 7 ? "LYRICS" : "MUSIC", model: index % 8 == 7 ? nil : models[index % 5],
                    prompt: "p\(index)")
            }
            let settled = await eventually(within: 20) {
                simulator.groundTruth().allSatisfy { $0.isFinished || $0.isHanging }
            }
            #expect(settled)
            let items = try await SimulatorClient.fetchAll(simulator, ids: ids)
            let truth = simulator.groundTruth().filter(\.isTerminal)
            #expect(!truth.isEmpty)
            var sum: Int64 = 0
            for task in truth {
                let item = try #require(items[task.id])
                #expect(item["status"] as? String == task.status)
                #expect(jsonInt64(item["finish_time"]) == task.finishTime)
                sum += (jsonInt64(item["finish_time"]) ?? 0) - (jsonInt64(item["submit_time"]) ?? 0)
            }
            #expect(sum == truth.compactMap(\.durationSeconds).reduce(0, +))
        }
    }
}

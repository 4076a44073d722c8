import Foundation
import SunoSimulator
import SunoTestSupport
import Testing

/// Field names and shapes of task items, against samples/fetch-batch-*.json.
@Suite("Simulator item shapes")
struct SimulatorItemShapeTests {
    static let itemKeys: Set<String> = [
        "task_id", "notify_hook", "action", "status", "fail_reason", "submit_time", "start_time", "finish_time",
        "progress", "data",
    ]
    static let clipKeys: Set<String> = [
        "id", "title", "status", "metadata", "audio_url", "image_url", "video_url", "model_name", "image_large_url",
        "major_model_version",
    ]
    static let metadataKeys: Set<String> = [
        "tags", "prompt", "duration", "error_type", "error_message", "audio_prompt_id", "gpt_description_prompt",
    ]

    @Test func cometAPIItemsHaveTheNineFieldsAndNotifyHook() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock)) { simulator in
            let id = simulator.submit(action: "MUSIC", model: "chirp-crow", prompt: "an edm track")
            let fresh = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            #expect(Set(fresh.keys) == Self.itemKeys)
            #expect(fresh["data"] is NSNull)
            #expect(fresh["notify_hook"] as? String == "")
            #expect(jsonInt64(fresh["submit_time"]) == 1_751_871_000)

            clock.advance(by: 100)
            let done = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            #expect(Set(done.keys) == Self.itemKeys)
            let clips = try #require(done["data"] as? [[String: Any]])
            #expect(clips.count == 2)
            for clip in clips {
                #expect(Set(clip.keys) == Self.clipKeys)
                let metadata = try #require(clip["metadata"] as? [String: Any])
                #expect(Set(metadata.keys) == Self.metadataKeys)
                #expect(clip["model_name"] as? String == "chirp-crow")
                #expect(clip["major_model_version"] as? String == "v5")
                #expect(metadata["gpt_description_prompt"] as? String == "an edm track")
            }
        }
    }

    @Test func newAPI2025ItemsHaveNoNotifyHook() async throws {
        var configuration = manualSimulatorConfiguration(clock: ManualClock())
        configuration.itemShape = .newAPI2025
        try await withSimulator(configuration) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            let item = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            #expect(Set(item.keys) == Self.itemKeys.subtracting(["notify_hook"]))
        }
    }

    @Test func newAPI2026ItemsAndExtraClipFieldsAddUnknownKeys() async throws {
        let clock = ManualClock()
        var configuration = manualSimulatorConfiguration(clock: clock)
        configuration.itemShape = .newAPI2026
        configuration.clipExtraFields = true
        try await withSimulator(configuration) { simulator in
            let id = simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "x")
            clock.advance(by: 40)
            let item = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            let extras: Set<String> = [
                "id", "created_at", "updated_at", "platform", "user_id", "group", "channel_id", "quota", "properties",
            ]
            #expect(Set(item.keys) == Self.itemKeys.subtracting(["notify_hook"]).union(extras))
            #expect(jsonInt64(item["id"]) == 1)
            #expect(jsonInt64(item["updated_at"]) == jsonInt64(item["start_time"]))
            let clip = try #require((item["data"] as? [[String: Any]])?.first)
            #expect(clip["is_video_pending"] as? Bool == true)
            #expect(clip["created_at"] as? String == "2025-07-07T06:50:00.000Z")
            let metadata = try #require(clip["metadata"] as? [String: Any])
            #expect(metadata["stream"] as? Bool == true)
        }
    }

    @Test func textIsEscapedAsGoDoes() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock)) { simulator in
            let submit = try await TestHTTP.send(
                "POST", simulator.baseURL + "/suno/submit/music",
                text: #"{"title":"Rock & Roll <live>","tags":"a\"b","prompt":"line1\nline2"}"#)
            let id = try #require(try submit.object()["data"] as? String)
            clock.advance(by: 100)
            let reply = try await TestHTTP.send("GET", simulator.baseURL + "/suno/fetch/" + id)
            #expect(reply.text.contains(#""title":"Rock \u0026 Roll \u003clive\u003e""#))
            #expect(reply.text.contains(#""tags":"a\"b""#))
            #expect(reply.text.contains(#""prompt":"line1\nline2""#))
            let clip = try #require((try reply.object()["data"] as? [String: Any])?["data"] as? [[String: Any]])
            #expect(clip.first?["title"] as? String == "Rock & Roll <live>")
        }
    }

    @Test func durationsAreNumbersOnlyWhenComplete() async throws {
        let clock = ManualClock()
        try await withSimulator(manualSimulatorConfiguration(clock: clock)) { simulator in
            let id = simulator.submit(action: "MUSIC", model: nil, prompt: "x")
            clock.advance(by: 40)
            let streaming = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            for clip in try #require(streaming["data"] as? [[String: Any]]) {
                #expect((clip["metadata"] as? [String: Any])?["duration"] is NSNull)
            }
            clock.advance(by: 60)
            let done = try #require(try await SimulatorClient.fetch(simulator, ids: [id]).items().first)
            for clip in try #require(done["data"] as? [[String: Any]]) {
                let duration = try #require((clip["metadata"] as? [String: Any])?["duration"] as? NSNumber)
                #expect((60.0...240.0).contains(duration.doubleValue))
            }
        }
    }
}

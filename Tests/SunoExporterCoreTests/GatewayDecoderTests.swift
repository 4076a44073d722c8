import Foundation
import SunoExporterCore
import Testing

/// Loads the gateway sample bodies copied from COMETAPI.md's `samples/`.
enum GatewayDecoderFixtures {
    /// The file name prefixes of gateway samples; other suites may keep other fixtures in the same folder.
    static let samplePrefixes = ["fetch-", "error-", "submit-", "hook-"]

    static func load(_ name: String) throws -> [UInt8] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "missing fixture \(name).json")
        return [UInt8](try Data(contentsOf: url))
    }

    /// Names (without `.json`) of every gateway sample in the bundle.
    static func sampleNames() throws -> [String] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { name in name.hasSuffix(".json") && samplePrefixes.contains { name.hasPrefix($0) } }
            .map { String($0.dropLast(".json".count)) }
            .sorted()
    }
}

/// Every sample body, decoded with concrete expected values.
@Suite struct GatewayDecoderTests {
    /// What each sample must decode to: a list of items, or an error with the gateway's code.
    enum Expected {
        case items(Int)
        case gatewayError(String?)
    }

    static let samples: [(name: String, fetch: Expected)] = [
        ("error-400-task-not-exist", .gatewayError("task_not_exist")),
        ("error-429-upstream-saturated", .gatewayError("fail_to_fetch_task")),
        ("fetch-batch-empty-ids", .items(0)),
        ("fetch-batch-lyrics", .items(2)),
        ("fetch-batch-mixed-statuses", .items(7)),
        ("fetch-batch-none-found-data-null", .items(0)),
        ("fetch-single-music-success", .items(1)),
        // `data` is the new task id string: not a fetch answer, and no gateway error code either.
        ("submit-music-response", .gatewayError(nil)),
    ]

    @Test func everySampleInFixturesIsCovered() throws {
        #expect(try GatewayDecoderFixtures.sampleNames() == Self.samples.map(\.name))
    }

    @Test(arguments: samples)
    func sampleDecodesAsFetchAnswer(name: String, fetch expected: Expected) throws {
        let body = try GatewayDecoderFixtures.load(name)
        switch expected {
        case .items(let count):
            #expect(try GatewayDecoder.decodeFetchAnswer(body).count == count)
        case .gatewayError(let code):
            let error = #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(body) }
            #expect(error?.gatewayCode == code)
        }
    }

    static let mixedStatuses: [TaskObservation] = [
        TaskObservation(
            taskID: "b4c5d6e7-f8a9-4b0c-9d1e-2f3a4b5c6d7e", action: "MUSIC", status: "FAILURE", progress: "100%",
            failReason: "任务超时（1440分钟）", submitTime: 1_751_785_000, startTime: 0, finishTime: 1_751_871_410),
        TaskObservation(
            taskID: "f1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", action: "MUSIC", status: "SUCCESS", progress: "100%",
            submitTime: 1_751_871_120, startTime: 1_751_871_133, finishTime: 1_751_871_241,
            modelName: "chirp-crow", hasStreamableClip: true),
        TaskObservation(
            taskID: "0d9c8b7a-6f5e-4d3c-b2a1-9f8e7d6c5b4a", action: "MUSIC", status: "FAILURE", progress: "100%",
            failReason: "Unable to generate audio for this request.", submitTime: 1_751_871_180,
            startTime: 1_751_871_195, finishTime: 1_751_871_262, modelName: "chirp-auk", hasStreamableClip: true),
        TaskObservation(
            taskID: "7e2f9a41-58c3-4d6b-a0e7-2c9b14f3d8a5", action: "MUSIC", status: "IN_PROGRESS", progress: "0%",
            submitTime: 1_751_871_420, startTime: 1_751_871_441, finishTime: 0,
            modelName: "chirp-crow", hasStreamableClip: true),
        TaskObservation(
            taskID: "c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e5f", action: "MUSIC", status: "QUEUED", progress: "0%",
            submitTime: 1_751_871_520, modelName: "chirp-bluejay"),
        TaskObservation(
            taskID: "a3e1c7d2-6b5f-4e8a-b9c0-1f2d3e4a5b60", action: "MUSIC", status: "SUBMITTED", progress: "0%",
            submitTime: 1_751_871_560, modelName: "chirp-v4"),
        TaskObservation(
            taskID: "5b0f3c1e-2a4d-4c8e-9f10-3d2b7a6c8e01", action: "MUSIC", status: "NOT_START", progress: "0%",
            submitTime: 1_751_871_590),
    ]

    @Test func mixedStatusBatchDecodesEveryField() throws {
        let items = try GatewayDecoder.decodeFetchAnswer(GatewayDecoderFixtures.load("fetch-batch-mixed-statuses"))
        #expect(items.map(\.taskID) == Self.mixedStatuses.map(\.taskID))
        for (item, expected) in zip(items, Self.mixedStatuses) {
            #expect(item == expected)
        }
    }

    @Test func mixedStatusBatchFlagsOnlyTheFailuresAsFrozen() throws {
        let items = try GatewayDecoder.decodeFetchAnswer(GatewayDecoderFixtures.load("fetch-batch-mixed-statuses"))
        #expect(items.map(\.isFrozenFailure) == [true, false, true, false, false, false, false])
        // A FAILURE task may still carry a playable clip (COMETAPI.md §10.5).
        #expect(items[2].status == "FAILURE" && items[2].hasStreamableClip)
    }

    @Test func lyricsBatchHasNoModelAndNothingStreamable() throws {
        let items = try GatewayDecoder.decodeFetchAnswer(GatewayDecoderFixtures.load("fetch-batch-lyrics"))
        #expect(
            items == [
                TaskObservation(
                    taskID: "f4a94d75-087b-4bb1-bd45-53ba293faf97", action: "LYRICS", status: "SUCCESS",
                    progress: "100%", submitTime: 1_751_871_300, startTime: 1_751_871_300, finishTime: 1_751_871_300),
                TaskObservation(
                    taskID: "6d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f30", action: "LYRICS", status: "NOT_START",
                    progress: "0%", submitTime: 1_751_871_598),
            ])
    }

    @Test func singleTaskAnswerDecodesAsTaskItemAndAsOneItemBatch() throws {
        let body = try GatewayDecoderFixtures.load("fetch-single-music-success")
        let item = try GatewayDecoder.decodeTaskItem(body)
        #expect(item == Self.mixedStatuses[1])
        #expect(try GatewayDecoder.decodeFetchAnswer(body) == [Self.mixedStatuses[1]])
    }

    @Test func errorSamplesGiveCodeAndMessage() throws {
        let notFound = try GatewayDecoderFixtures.load("error-400-task-not-exist")
        #expect(GatewayDecoder.errorMessage(notFound) == "task_not_exist: task_not_exist")
        let error = #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeTaskItem(notFound) }
        #expect(error?.gatewayCode == "task_not_exist")

        let saturated = try GatewayDecoderFixtures.load("error-429-upstream-saturated")
        #expect(GatewayDecoder.errorMessage(saturated) == "fail_to_fetch_task: 当前分组上游负载已饱和，请稍后再试")
        let fetchError = #expect(throws: GatewayDecodingError.self) {
            try GatewayDecoder.decodeFetchAnswer(saturated)
        }
        #expect(fetchError?.description == "gateway reported error fail_to_fetch_task: 当前分组上游负载已饱和，请稍后再试")
    }

    @Test func submitAnswerIsNotATaskItem() throws {
        let body = try GatewayDecoderFixtures.load("submit-music-response")
        let error = #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeFetchAnswer(body) }
        #expect(error?.description.contains("data is a string") == true)
        #expect(throws: GatewayDecodingError.self) { try GatewayDecoder.decodeTaskItem(body) }
        #expect(GatewayDecoder.errorMessage(body) == "success")
    }
}

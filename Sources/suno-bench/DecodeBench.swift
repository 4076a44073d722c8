import Foundation
import SunoExporterCore
import SunoSimulator

/// JSON decoding of one realistic fetch answer (100 MUSIC items from the demo gateway's mix of
/// models and phases), into the same `TaskObservation`s, by three decoders: Foundation's
/// `JSONDecoder` with Codable DTOs, `JSONSerialization` with casts, and the exporter's
/// `GatewayDecoder`. Throughput is bytes per CPU second of the decoding thread.
enum DecodeBench {
    struct Result {
        var bodyBytes: Int
        var jsonDecoder: Double
        var jsonSerialization: Double
        var gatewayDecoder: Double
    }

    static func run() async throws -> Result {
        let body = try await realisticAnswer()
        // All three must agree before any is timed.
        let expected = try GatewayDecoder.decodeFetchAnswer(body)
        guard expected.count == 100, try CodableDecoding.decode(body) == expected,
            try SerializationDecoding.decode(body) == expected
        else { throw BenchError("the three decoders disagree on the benchmark answer") }
        let data = Data(body)
        return Result(
            bodyBytes: body.count,
            jsonDecoder: try throughput(bytes: body.count) { _ = try CodableDecoding.decode(data) },
            jsonSerialization: try throughput(bytes: body.count) { _ = try SerializationDecoding.decode(data) },
            gatewayDecoder: try throughput(bytes: body.count) { _ = try GatewayDecoder.decodeFetchAnswer(body) })
    }

    /// MB/s (10^6 bytes per CPU second of this thread): repeats `decode` for at least 0.4 s, three
    /// times, and keeps the best run.
    static func throughput(bytes: Int, _ decode: () throws -> Void) rethrows -> Double {
        for _ in 0..<3 { try decode() }
        var best = 0.0
        for _ in 0..<3 {
            var iterations = 0
            let start = Measure.threadCPUSeconds()
            var elapsed = 0.0
            while elapsed < 0.4 || iterations < 5 {
                try decode()
                iterations += 1
                elapsed = Measure.threadCPUSeconds() - start
            }
            best = max(best, Double(bytes * iterations) / elapsed / 1e6)
        }
        return best
    }

    /// A 100-item answer from the simulator with the demo's five models, submitted over the last
    /// five minutes: queued, streaming, complete (with lyrics and durations) and failed items.
    static func realisticAnswer() async throws -> [UInt8] {
        let clock = ManualClock(now: SimulatorChild.startInstant)
        var configuration = SimulatorConfiguration.demo()
        configuration.clock = .manual(clock)
        let simulator = SunoSimulator(configuration: configuration, logger: Measure.quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        let ids = (0..<100).map { index in
            simulator.submit(
                action: "MUSIC", model: SimulatorChild.models[index % SimulatorChild.models.count],
                prompt: SimulatorChild.prompt, backdatedBy: Double(index) * 3)
        }
        return try await CollectorBench.fetchBody(ids: ids, baseURL: simulator.baseURL)
    }
}

/// Foundation `JSONDecoder` into Codable DTOs holding only what the exporter reads.
enum CodableDecoding {
    struct Answer: Decodable {
        var code: String?
        var data: [Item]?
    }

    struct Item: Decodable {
        var task_id: String
        var action: String?
        var status: String?
        var fail_reason: String?
        var submit_time: Int64?
        var start_time: Int64?
        var finish_time: Int64?
        var progress: String?
        var data: [Clip]?
    }

    struct Clip: Decodable {
        var status: String?
        var model_name: String?
    }

    static func decode(_ body: [UInt8]) throws -> [TaskObservation] { try decode(Data(body)) }

    static func decode(_ data: Data) throws -> [TaskObservation] {
        let answer = try JSONDecoder().decode(Answer.self, from: data)
        return (answer.data ?? []).map { item in
            let clips = item.data ?? []
            return TaskObservation(
                taskID: item.task_id, action: item.action ?? "", status: item.status ?? "",
                progress: item.progress ?? "",
                failReason: item.fail_reason ?? "", submitTime: item.submit_time ?? 0, startTime: item.start_time ?? 0,
                finishTime: item.finish_time ?? 0,
                modelName: clips.lazy.compactMap(\.model_name).first { !$0.isEmpty },
                hasStreamableClip: clips.contains { $0.status == "streaming" || $0.status == "complete" })
        }
    }
}

/// Foundation `JSONSerialization` into `[String: Any]`, then casts.
enum SerializationDecoding {
    static func decode(_ body: [UInt8]) throws -> [TaskObservation] { try decode(Data(body)) }

    static func decode(_ data: Data) throws -> [TaskObservation] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let items = object["data"] as? [[String: Any]]
        else { throw BenchError("not a fetch answer") }
        return items.map { item in
            let clips = item["data"] as? [[String: Any]] ?? []
            func int(_ key: String) -> Int64 { (item[key] as? NSNumber)?.int64Value ?? 0 }
            return TaskObservation(
                taskID: item["task_id"] as? String ?? "", action: item["action"] as? String ?? "",
                status: item["status"] as? String ?? "", progress: item["progress"] as? String ?? "",
                failReason: item["fail_reason"] as? String ?? "", submitTime: int("submit_time"),
                startTime: int("start_time"), finishTime: int("finish_time"),
                modelName: clips.lazy.compactMap { $0["model_name"] as? String }.first { !$0.isEmpty },
                hasStreamableClip: clips.contains {
                    let status = $0["status"] as? String
                    return status == "streaming" || status == "complete"
                })
        }
    }
}

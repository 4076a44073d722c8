import Foundation
import Logging
import SunoSimulator
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP answer from the simulator, as a test sees it.
struct SimulatorReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// A header by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The body as a JSON object (fails the test when it is not one).
    func object(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
    }

    /// `data` of a batch answer as items (fails the test when it is not an array).
    func items(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let data = try object(sourceLocation: sourceLocation)["data"]
        return try #require(data as? [[String: Any]], "data is not an array: \(text)", sourceLocation: sourceLocation)
    }
}

/// Talks to a simulator over real HTTP with URLSession; every request is bounded by a timeout.
enum SimulatorClient {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 15
        return URLSession(configuration: configuration)
    }()

    static func send(
        _ method: String, _ url: String, body: String? = nil, headers: [String: String] = [:], timeout: Double = 10
    ) async throws -> SimulatorReply {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return SimulatorReply(status: http.statusCode, headers: fields, body: data)
    }

    /// `POST /suno/fetch` for `ids`.
    static func fetch(_ simulator: SunoSimulator, ids: [String], action: String = "MUSIC") async throws
        -> SimulatorReply
    {
        let body = try JSONSerialization.data(withJSONObject: ["ids": ids, "action": action])
        return try await send("POST", simulator.baseURL + "/suno/fetch", body: String(decoding: body, as: UTF8.self))
    }

    /// The items of every task in `ids`, fetched in batches of at most 100.
    static func fetchAll(_ simulator: SunoSimulator, ids: [String]) async throws -> [String: [String: Any]] {
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

/// A logger that prints nothing.
let simulatorLogger = Logger(label: "test.simulator") { _ in SwiftLogNoOpLogHandler() }

/// Starts a simulator on a free loopback port, runs `body`, and always stops it.
func withSimulator<T>(
    _ configuration: SimulatorConfiguration, _ body: (SunoSimulator) async throws -> T
) async throws -> T {
    let simulator = SunoSimulator(configuration: configuration, logger: simulatorLogger)
    try simulator.start()
    defer { simulator.stop() }
    return try await body(simulator)
}

/// A configuration on a manual clock whose profiles use one fixed timeline (5 s, 10 s, 20 s, 60 s).
func manualSimulatorConfiguration(
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

/// An integer field of a JSON object (JSONSerialization gives NSNumber).
func jsonInt64(_ value: Any?) -> Int64? {
    (value as? NSNumber)?.int64Value
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
func simulatorEventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Collects values from `@Sendable` callbacks.
final class SimulatorCollected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }

    var all: [Value] { values.withLock { $0 } }
}

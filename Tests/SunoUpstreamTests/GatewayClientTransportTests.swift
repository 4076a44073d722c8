import Foundation
import SunoExporterCore
import SunoHTTP
import SunoTestSupport
import Synchronization
import Testing

@testable import SunoUpstream

#if canImport(Glibc)
    import Glibc
#endif

/// The libcurl transport under `GatewayClient` (`CurlTransport`): content decoding, the body limit,
/// headers across informational answers, connection reuse, concurrency and aborted transfers.
@Suite struct GatewayClientTransportTests {
    private struct SentBody: Decodable, Equatable {
        var ids: [String]
        var action: String
    }

    static let emptyAnswer = #"{"code":"success","message":"","data":[]}"#

    /// A client with settings `GatewayProbe.client` does not offer: connections kept, answer limit.
    private static func client(
        _ probe: GatewayProbe, _ base: String, timeout: Duration = .seconds(60), maxAttempts: Int = 1,
        maxConnections: Int = 2, maximumBodyBytes: Int = CurlTransport.maximumBodyBytes
    ) -> GatewayClient {
        let configuration = GatewayClientConfiguration(
            baseURL: base, apiKey: APIKey("sk-test-key"), requestTimeout: timeout, maxAttempts: maxAttempts,
            maxConnections: maxConnections, version: "1.2.3")
        let calls = probe.calls
        let sleeps = probe.sleeps
        return GatewayClient(
            configuration: configuration, logger: probe.logs.logger, onCall: { calls.append($0) },
            sleep: { sleeps.append($0) }, maximumBodyBytes: maximumBodyBytes)
    }

    // MARK: Content encoding

    @Test func decodesAGzipAnswer() async throws {
        let compressed = Gzip.compress(Array(GatewayClientTests.twoTasks.utf8))
        let gateway = try ScriptedGateway([
            CannedAnswer(
                status: 200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                body: compressed, delay: nil)
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let observations = try await probe.client(gateway.baseURL).fetch(ids: ["task-1", "task-2"], action: .music)
        #expect(observations.map(\.taskID) == ["task-1", "task-2"])
        #expect(observations.first?.modelName == "chirp-crow")
        let request = try #require(gateway.requests.first)
        #expect(request.header("accept-encoding")?.contains("gzip") == true, "gzip is offered")
        #expect(probe.codes == ["200"])
    }

    @Test func aCorruptGzipAnswerIsATransportError() async throws {
        let gateway = try ScriptedGateway([
            CannedAnswer(
                status: 200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                body: [0x1f, 0x8b, 0x08, 0x00] + Array("not deflate data at all".utf8), delay: nil)
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome {
            try await probe.client(gateway.baseURL, maxAttempts: 1).fetch(ids: ["a"], action: .music)
        }
        #expect(result.upstreamFailure == .transport("cannotDecodeContentData"))
        #expect(probe.codes == ["transport"])
    }

    // MARK: The answer size limit

    /// A valid empty answer padded with spaces to exactly `size` bytes.
    private static func paddedEmptyAnswer(size: Int) -> [UInt8] {
        let text = Array(emptyAnswer.utf8)
        return text + Array(repeating: UInt8(ascii: " "), count: size - text.count)
    }

    @Test func refusesAnAnswerLargerThanTheLimitAndKeepsWorking() async throws {
        let limit = 64 << 10
        let json = [("Content-Type", "application/json")]
        let gateway = try ScriptedGateway([
            CannedAnswer(status: 200, headers: json, body: Self.paddedEmptyAnswer(size: limit), delay: nil),
            CannedAnswer(status: 200, headers: json, body: Self.paddedEmptyAnswer(size: limit + 1), delay: nil),
            // An error answer is held to the same limit.
            CannedAnswer(status: 503, headers: json, body: Self.paddedEmptyAnswer(size: 4 * limit), delay: nil),
            .json(200, GatewayClientTests.oneTask),
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = Self.client(probe, gateway.baseURL, maxConnections: 1, maximumBodyBytes: limit)

        let atTheLimit = await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) }
        #expect(atTheLimit == .success([]), "an answer of exactly the limit is read")
        let overTheLimit = await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) }
        #expect(overTheLimit.upstreamFailure == .tooLarge(limit: limit))
        let largeError = await gatewayOutcome { try await client.fetch(ids: ["a"], action: .music) }
        #expect(largeError.upstreamFailure == .tooLarge(limit: limit))
        // The handle whose transfer was stopped serves the next request.
        let next = try await client.fetch(ids: ["task-1"], action: .music)
        #expect(next.map(\.taskID) == ["task-1"])
        #expect(probe.codes == ["200", "too_large", "too_large", "200"])
    }

    @Test func theLimitHoldsForTheDecodedSizeOfAGzipAnswer() async throws {
        let limit = 64 << 10
        // About 1 kB on the wire, 1 MB once inflated.
        let compressed = Gzip.compress(Self.paddedEmptyAnswer(size: 1 << 20))
        #expect(compressed.count < limit)
        let gateway = try ScriptedGateway([
            CannedAnswer(
                status: 200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                body: compressed, delay: nil)
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome {
            try await Self.client(probe, gateway.baseURL, maximumBodyBytes: limit).fetch(ids: ["a"], action: .music)
        }
        #expect(result.upstreamFailure == .tooLarge(limit: limit))
    }

    // MARK: Headers

    @Test func honoursRetryAfterAfterSendingALargeBody() async throws {
        let gateway = try ScriptedGateway([
            .empty(429, headers: [("Retry-After", "7")]),
            .json(503, GatewayClientTests.overloaded, headers: [("Retry-After", "4")]),
            .json(200, GatewayClientTests.oneTask),
        ])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        // About 250 kB, sent in many pieces before the gateway answers.
        let ids = (0..<5_000).map { "task_\($0)_" + String(repeating: "x", count: 40) }
        let observations = try await probe.client(gateway.baseURL).fetch(ids: ids, action: .music)
        #expect(observations.map(\.taskID) == ["task-1"])
        #expect(probe.sleeps.values == [.seconds(7), .seconds(4)])
        #expect(probe.codes == ["429", "503", "200"])
        #expect(gateway.requests.count == 3)
        for request in gateway.requests {
            #expect(try JSONDecoder().decode(SentBody.self, from: Data(request.body)).ids == ids)
        }
    }

    @Test func readsRetryAfterAndDateOfTheFinalAnswerOnly() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let hourAgo = formatter.string(from: Date().addingTimeInterval(-3_600))
        let started = ContinuousClock.now
        let later = formatter.string(from: Date().addingTimeInterval(20))
        let answers = RawGateway.Script([
            // An informational answer's Retry-After is not the final answer's, whose reason phrase
            // holds a colon (it is still a status line).
            RawGateway.informational(
                103, "Early Hints", headers: [("Retry-After", "99"), ("Link", "</a>; rel=preload")])
                + RawGateway.answer(
                    503, reason: "Service Unavailable: try again", headers: [("Content-Type", "application/json")],
                    body: Array(GatewayClientTests.overloaded.utf8)),
            // Nor is an informational answer's Date, here an hour off, the clock for an HTTP-date
            // Retry-After: without the final answer's own Date it is read against the local clock.
            RawGateway.informational(100, "Continue")
                + RawGateway.informational(103, "Early Hints", headers: [("Date", hourAgo), ("Retry-After", "99")])
                + RawGateway.answer(429, reason: "Too Many Requests", headers: [("Retry-After", later)], body: []),
            RawGateway.answer(
                200, headers: [("Content-Type", "application/json")], body: Array(GatewayClientTests.oneTask.utf8)),
        ])
        let gateway = try RawGateway { _ in .send(answers.next() ?? RawGateway.answer(418, body: [])) }
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let observations = try await probe.client(gateway.baseURL).fetch(ids: ["task-1"], action: .music)
        #expect(observations.map(\.taskID) == ["task-1"])
        #expect(probe.codes == ["503", "429", "200"])
        let sleeps = probe.sleeps.values
        try #require(sleeps.count == 2)
        #expect(sleeps[0] <= .milliseconds(500), "backoff, not the 103's Retry-After: slept \(sleeps[0])")
        let elapsed = ContinuousClock.now - started
        #expect(
            sleeps[1] > .seconds(18) - elapsed && sleeps[1] <= .seconds(21),
            "20 s by the local clock, not 3620 s (capped) by the 103's Date: slept \(sleeps[1]) after \(elapsed)")
    }

    // MARK: Connections

    @Test func sequentialRequestsShareOneKeepAliveConnection() async throws {
        let gateway = try RawGateway { request in
            if request.method == "GET" {
                return .send(
                    RawGateway.answer(
                        404, headers: [("Content-Type", "application/json")],
                        body: Array(#"{"code":"task_not_exist","message":"","data":null}"#.utf8)))
            }
            return .send(
                RawGateway.answer(
                    200, headers: [("Content-Type", "application/json")], body: Array(Self.emptyAnswer.utf8)))
        }
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = Self.client(probe, gateway.baseURL)
        for round in 0..<10 {
            #expect(try await client.fetch(ids: ["a\(round)"], action: .music) == [])
            #expect(try await client.fetchOne(id: "b\(round)") == nil)
        }
        let requests = gateway.requests
        #expect(requests.count == 20)
        #expect(gateway.connectionCount == 1, "one keep-alive connection, got \(gateway.connectionCount)")
        // The handle that sent a POST sends plain GETs afterwards, without a body.
        for (index, request) in requests.enumerated() {
            if index.isMultiple(of: 2) {
                #expect(request.method == "POST" && request.target == "/suno/fetch")
                #expect(try JSONDecoder().decode(SentBody.self, from: Data(request.body)).ids == ["a\(index / 2)"])
            } else {
                #expect(request.method == "GET" && request.target == "/suno/fetch/b\(index / 2)")
                #expect(request.body.isEmpty && request.header("content-length") == nil)
            }
        }
    }

    /// Items for the ids a batch asked for, newest first, each padded by `padding` bytes.
    private static func echoAnswer(_ body: [UInt8], padding: Int) -> [UInt8] {
        guard let sent = try? JSONDecoder().decode(SentBody.self, from: Data(body)) else {
            return RawGateway.answer(400, body: Array(#"{"code":"invalid_request","message":"EOF","data":null}"#.utf8))
        }
        let filler = String(repeating: "p", count: padding)
        let items = sent.ids.reversed().map { id in
            #"{"task_id":"\#(id)","notify_hook":"\#(filler)","action":"\#(sent.action)","status":"QUEUED","#
                + #""fail_reason":"","submit_time":1,"start_time":0,"finish_time":0,"progress":"0%","data":null}"#
        }
        let text = #"{"code":"success","message":"","data":["# + items.joined(separator: ",") + "]}"
        return RawGateway.answer(200, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }

    @Test func concurrentFetchesEachGetTheirOwnAnswer() async throws {
        let gateway = try RawGateway { request in
            // Sizes from a few hundred bytes to about 300 kB, so that answers arrive in many pieces.
            let padding = (request.body.count * 37) % 6_000
            return .send(Self.echoAnswer(request.body, padding: padding))
        }
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = Self.client(probe, gateway.baseURL, maxConnections: 2)
        let mismatches = await withTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var wrong: [String] = []
                    for round in 0..<6 {
                        let ids = (0..<(1 + (worker * 7 + round * 13) % 50)).map { "w\(worker)-r\(round)-\($0)" }
                        let result = await gatewayOutcome { try await client.fetch(ids: ids, action: .music) }
                        switch result {
                        case .success(let observations):
                            if Set(observations.map(\.taskID)) != Set(ids) || observations.count != ids.count {
                                wrong.append("worker \(worker) round \(round): \(observations.count) items")
                            }
                        case .failure(let error):
                            wrong.append("worker \(worker) round \(round): \(error)")
                        }
                    }
                    return wrong
                }
            }
            var all: [String] = []
            for await wrong in group { all += wrong }
            return all
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(probe.codes.count == 48 && probe.codes.allSatisfy { $0 == "200" })
        #expect(gateway.requests.count == 48)
    }

    @Test func manyTransfersInFlightDoNotWaitForEachOther() async throws {
        // No answer comes, so every transfer keeps its thread blocked. They must all start at once:
        // transfers that took their threads from the cooperative pool (one thread per core on Linux)
        // starved every task, and the pool grew by one thread a second: about 40 s for 40. The spread
        // is measured by the gateway's own threads, which a starved pool does not delay.
        let count = 40
        let gateway = try RawGateway { _ in .sendAndHang([]) }
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = Self.client(probe, gateway.baseURL, timeout: .seconds(300))
        let calls = (0..<count).map { index in
            Task { await gatewayOutcome { try await client.fetch(ids: ["t\(index)"], action: .music) } }
        }
        let allArrived = await eventually(within: 120) { gateway.requests.count == count }
        for call in calls { call.cancel() }
        for call in calls { #expect(await call.value.upstreamFailure == .cancelled) }
        #expect(allArrived, "\(gateway.requests.count) of \(count) requests reached the gateway")
        let arrivals = gateway.requests.map(\.arrived)
        if let first = arrivals.min(), let last = arrivals.max() {
            #expect(last - first < .seconds(20), "requests arrived over \(last - first)")
        }
    }

    // MARK: Aborted transfers

    /// A 100 000-byte answer of which only the first 1 000 bytes are sent before the gateway goes quiet.
    private static let truncated = RawGateway.answer(
        200, headers: [("Content-Type", "application/json")], body: Array(repeating: UInt8(ascii: " "), count: 100_000)
    ).dropLast(99_000)

    /// Sends the first 1 000 bytes of the first answer and then goes quiet; echoes every later request.
    private static func gatewayStallingItsFirstAnswer() throws -> RawGateway {
        let first = RawGateway.Script([true])
        return try RawGateway { request in
            if first.next() != nil { return .sendAndHang(Array(Self.truncated)) }
            return .send(Self.echoAnswer(request.body, padding: 10))
        }
    }

    @Test func cancellingMidAnswerReturnsPromptlyAndTheClientStillWorks() async throws {
        let gateway = try Self.gatewayStallingItsFirstAnswer()
        defer { gateway.stop() }
        let probe = GatewayProbe()
        // The deadline is far off: only cancellation ends the first call.
        let client = Self.client(probe, gateway.baseURL, timeout: .seconds(120), maxConnections: 1)
        let call = Task { await gatewayOutcome { try await client.fetch(ids: ["stuck"], action: .music) } }
        #expect(await eventually(within: 60) { gateway.requests.count == 1 })
        let cancelled = ContinuousClock.now
        call.cancel()
        #expect(await call.value.upstreamFailure == .cancelled)
        #expect(ContinuousClock.now - cancelled < .seconds(30))
        #expect(probe.calls.count == 0)
        // The transfer itself stopped too (at curl's next progress callback) and closed its connection,
        // long before its 120 s deadline.
        #expect(await eventually(within: 60) { gateway.hangUps == 1 }, "the stalled transfer was not aborted")

        // The next calls neither wait for the stopped transfer nor read what is left of its answer.
        for round in 0..<3 {
            let observations = try await client.fetch(ids: ["next-\(round)"], action: .music)
            #expect(observations.map(\.taskID) == ["next-\(round)"])
        }
        #expect(probe.codes == ["200", "200", "200"])
        #expect(gateway.connectionCount >= 2, "the stalled connection is never reused")
    }

    @Test func aTimeoutMidAnswerLeavesTheClientUsable() async throws {
        let gateway = try Self.gatewayStallingItsFirstAnswer()
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = Self.client(probe, gateway.baseURL, timeout: .seconds(1), maxConnections: 1)
        let result = await gatewayOutcome { try await client.fetch(ids: ["stuck"], action: .music) }
        #expect(result.upstreamFailure == .timeout)
        // The same (single pooled) handle, on a new connection.
        let observations = try await client.fetch(ids: ["next"], action: .music)
        #expect(observations.map(\.taskID) == ["next"])
        #expect(probe.codes == ["timeout", "200"])
        #expect(gateway.connectionCount == 2)
    }

    // MARK: URLs and names

    @Test(arguments: [
        ("a/b c?d#e%f;g", "/suno/fetch/a%2Fb%20c%3Fd%23e%25f%3Bg"),
        ("..", "/suno/fetch/.."),
        (".", "/suno/fetch/."),
        ("é-task", "/suno/fetch/%C3%A9-task"),
    ])
    func fetchOneSendsTheIDAsOnePathSegment(id: String, target: String) async throws {
        let gateway = try RawGateway { _ in
            .send(
                RawGateway.answer(
                    404, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"code":"task_not_exist","message":"","data":null}"#.utf8)))
        }
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let result = await gatewayOutcome { try await probe.client(gateway.baseURL).fetchOne(id: id) }
        #expect(result == .success(nil))
        #expect(gateway.requests.map(\.target) == [target])
    }

    @Test(.enabled(if: RawGateway.noProxyInEnvironment, "a proxy would resolve the name itself"))
    func anUnknownHostNameIsCannotFindHost() async throws {
        let probe = GatewayProbe()
        let result = await gatewayOutcome {
            try await probe.client("http://nonexistent.invalid", timeout: .seconds(60), maxAttempts: 1)
                .fetch(ids: ["a"], action: .music)
        }
        #expect(result.upstreamFailure == .transport("cannotFindHost"))
        #expect(probe.codes == ["transport"])
    }
}

/// A bare HTTP/1.1 server on 127.0.0.1, for what `ScriptedGateway` (libmicrohttpd) cannot do: it
/// numbers connections, writes answers byte for byte (informational answers, any reason phrase)
/// and can go quiet in the middle of an answer. One thread per connection; `stop()` ends them all.
final class RawGateway: Sendable {
    struct Request: Sendable {
        /// 1 for the first connection accepted, 2 for the next…
        var connection: Int
        var method: String
        /// The request target as sent, still percent-encoded.
        var target: String
        /// Names lower-cased.
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// When the gateway had read it.
        var arrived: ContinuousClock.Instant

        func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    }

    enum Reply: Sendable {
        /// Written whole; the connection then waits for the next request.
        case send([UInt8])
        /// Written, then nothing more: the connection stays open until the client closes it (counted
        /// in `hangUps`) or the gateway stops.
        case sendAndHang([UInt8])
    }

    typealias Handler = @Sendable (Request) -> Reply

    /// Values handed out once each, in order, to the handler's calls.
    final class Script<Value: Sendable>: Sendable {
        private let values: Mutex<[Value]>
        init(_ values: [Value]) { self.values = Mutex(values) }
        func next() -> Value? { values.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
    }

    private struct State {
        var listener: Int32?
        var connections: Set<Int32> = []
        var accepted = 0
        var requests: [Request] = []
        var hangUps = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let handler: Handler
    /// Every thread of the server: left when it ends, so `stop()` can wait for them.
    private let threads = DispatchGroup()
    let port: UInt16

    init(_ handler: @escaping Handler) throws {
        self.handler = handler
        let (fd, port) = try boundLoopbackSocket()
        guard listen(fd, 128) == 0 else {
            let error = RefusingPortError(errno: errno)
            Glibc.close(fd)
            throw error
        }
        self.port = port
        state.withLock { $0.listener = fd }
        threads.enter()
        Thread.detachNewThread { [self] in
            acceptLoop(fd)
            threads.leave()
        }
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { state.withLock { $0.requests } }
    /// Connections accepted so far.
    var connectionCount: Int { state.withLock { $0.accepted } }
    /// Connections the client closed while the gateway held them after a `sendAndHang` reply.
    var hangUps: Int { state.withLock { $0.hangUps } }

    static var noProxyInEnvironment: Bool {
        let names = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        return names.allSatisfy { (ProcessInfo.processInfo.environment[$0] ?? "").isEmpty }
    }

    /// Closes every connection and waits for the server's threads to end. Idempotent.
    func stop() {
        state.withLock { state in
            state.stopped = true
            // Shut down under the lock: a descriptor leaves the set before it is closed, so its
            // number cannot meanwhile have been reused by another socket.
            if let listener = state.listener { shutdown(listener, Int32(SHUT_RDWR)) }
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        _ = threads.wait(timeout: .now() + 60)
    }

    /// A complete answer with its Content-Length.
    static func answer(
        _ status: Int, reason: String = "OK", headers: [(String, String)] = [], body: [UInt8]
    ) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// An informational (1xx) answer, which precedes the final one.
    static func informational(_ status: Int, _ reason: String, headers: [(String, String)] = []) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8)
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                break  // shut down by stop()
            }
            let number: Int? = state.withLock { state in
                guard !state.stopped else { return nil }
                state.accepted += 1
                state.connections.insert(fd)
                return state.accepted
            }
            guard let number else {
                Glibc.close(fd)
                break
            }
            threads.enter()
            Thread.detachNewThread { [self] in
                serve(fd, connection: number)
                state.withLock { _ = $0.connections.remove(fd) }
                Glibc.close(fd)
                threads.leave()
            }
        }
        state.withLock { $0.listener = nil }
        Glibc.close(listener)
    }

    private func serve(_ fd: Int32, connection: Int) {
        var buffer: [UInt8] = []
        while let request = readRequest(fd, &buffer, connection: connection) {
            state.withLock { $0.requests.append(request) }
            switch handler(request) {
            case .send(let bytes):
                guard write(fd, bytes) else { return }
            case .sendAndHang(let bytes):
                _ = write(fd, bytes)
                var ignored: [UInt8] = []
                while read(fd, into: &ignored) { ignored.removeAll() }
                state.withLock { state in
                    if !state.stopped { state.hangUps += 1 }
                }
                return
            }
        }
    }

    /// The next request on the connection, or nil when it closed.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8], connection: Int) -> Request? {
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find(separator, in: buffer)
            if headEnd == nil, !read(fd, into: &buffer) { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count == 3 else { return nil }
        let headers: [(name: String, value: String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                line[..<colon].lowercased(),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        let length = headers.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headEnd + separator.count
        while buffer.count < bodyStart + length {
            if !read(fd, into: &buffer) { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(
            connection: connection, method: requestLine[0], target: requestLine[1], headers: headers, body: body,
            arrived: .now)
    }

    private func read(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count < 0, errno == EINTR { continue }
            return false
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a client that went away must not kill the test process with SIGPIPE.
            let sent = unsafe bytes[offset...].withUnsafeBytes {
                unsafe send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

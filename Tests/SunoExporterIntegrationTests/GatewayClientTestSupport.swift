import Foundation
import SunoHTTP
import SunoUpstream
import Synchronization
import Testing

/// One canned answer of a `ScriptedGateway`.
struct CannedAnswer: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Held this long before answering: use a thread-per-connection gateway for this.
    var delay: Duration?

    static func json(
        _ status: Int, _ text: String, headers: [(name: String, value: String)] = [], delay: Duration? = nil
    ) -> CannedAnswer {
        CannedAnswer(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8),
            delay: delay)
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> CannedAnswer {
        CannedAnswer(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8), delay: nil)
    }

    /// No body at all, as new-api's rate limiter answers 429.
    static func empty(_ status: Int, headers: [(name: String, value: String)] = []) -> CannedAnswer {
        CannedAnswer(status: status, headers: headers, body: [], delay: nil)
    }
}

/// A real HTTP server on 127.0.0.1 that answers from a queue of canned answers and records
/// every request it gets. An exhausted queue answers 418, which the client does not retry.
final class ScriptedGateway: Sendable {
    private final class Script: Sendable {
        let answers: Mutex<[CannedAnswer]>
        let requests = Mutex<[HTTPRequest]>([])
        init(_ answers: [CannedAnswer]) { self.answers = Mutex(answers) }

        func answer(_ request: HTTPRequest) -> HTTPResponse {
            requests.withLock { $0.append(request) }
            let next = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let next else { return .text(418, "script exhausted") }
            if let delay = next.delay {
                Thread.sleep(forTimeInterval: GatewayProbe.seconds(delay))
            }
            return HTTPResponse(
                status: next.status, headers: next.headers, body: next.body.isEmpty ? .empty : .bytes(next.body))
        }
    }

    private let script: Script
    private let server: HTTPServer
    let port: UInt16

    init(threadPerConnection: Bool = false, _ answers: [CannedAnswer]) throws {
        let script = Script(answers)
        self.script = script
        server = HTTPServer(options: HTTPServerOptions(threadPerConnection: threadPerConnection)) { request in
            script.answer(request)
        }
        port = try server.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [HTTPRequest] { script.requests.withLock { $0 } }
    func stop() { server.stop() }
}

/// What a test client saw: its calls, its waits between attempts, its log lines.
struct GatewayProbe {
    let calls = Recorder<UpstreamCall>()
    let sleeps = Recorder<Duration>()
    let logs = CapturedLogs()

    var codes: [String] { calls.values.map(\.code) }

    /// A client of `base` whose waits are recorded and skipped (or run by `sleep` when given).
    func client(
        _ base: String, key: APIKey? = APIKey("sk-test-key"), timeout: Duration = .seconds(5), maxAttempts: Int = 4,
        retryAfterMax: Duration = .seconds(60), sleep: GatewayClient.Sleep? = nil
    ) -> GatewayClient {
        let configuration = GatewayClientConfiguration(
            baseURL: base, apiKey: key, requestTimeout: timeout, maxAttempts: maxAttempts,
            retryAfterMax: retryAfterMax, version: "1.2.3")
        let calls = self.calls
        let sleeps = self.sleeps
        return GatewayClient(
            configuration: configuration, logger: logs.logger, onCall: { calls.append($0) },
            sleep: { duration in
                sleeps.append(duration)
                try await sleep?(duration)
            })
    }
}

/// Runs a client call and keeps its outcome. (The client's methods throw `UpstreamError` only;
/// the closure is untyped because Swift 6.3 infers `any Error` for closures that do not say.)
func gatewayOutcome<Value>(_ body: () async throws -> Value) async -> Result<Value, UpstreamError> {
    do {
        return .success(try await body())
    } catch let error as UpstreamError {
        return .failure(error)
    } catch {
        Issue.record("not an UpstreamError: \(error)")
        return .failure(.transport("not an UpstreamError"))
    }
}

extension Result {
    var upstreamFailure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension GatewayProbe {
    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

import Foundation
import SunoHTTP
import SunoUpstream
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One canned answer of a `ScriptedGateway`.
package struct CannedAnswer: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]
    /// Held this long before answering, or until the gateway stops: use a thread-per-connection gateway
    /// for this.
    package var delay: Duration?

    package init(
        status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], delay: Duration? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    package static func json(
        _ status: Int, _ text: String, headers: [(name: String, value: String)] = [], delay: Duration? = nil
    ) -> CannedAnswer {
        CannedAnswer(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8),
            delay: delay)
    }

    package static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8")
        -> CannedAnswer
    {
        CannedAnswer(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8), delay: nil)
    }

    /// No body at all, as new-api's rate limiter answers 429.
    package static func empty(_ status: Int, headers: [(name: String, value: String)] = []) -> CannedAnswer {
        CannedAnswer(status: status, headers: headers, body: [], delay: nil)
    }
}

/// A real HTTP server on 127.0.0.1 that answers from a queue of canned answers and records
/// every request it gets. An exhausted queue answers 418, which the client does not retry.
package final class ScriptedGateway: Sendable {
    private final class Script: Sendable {
        package let answers: Mutex<[CannedAnswer]>
        package let requests = Mutex<[HTTPRequest]>([])
        /// Entered once at creation and left by `release()`: a delayed answer waits on it, so stopping
        /// the gateway ends every wait at once. (`HTTPServer.stop()` joins the handler threads, so a
        /// plain sleep would hold `stop()`, and the test's thread, for the whole delay.)
        private let held = DispatchGroup()
        private let released = Mutex(false)

        package init(_ answers: [CannedAnswer]) {
            self.answers = Mutex(answers)
            held.enter()
        }

        package func answer(_ request: HTTPRequest) -> HTTPResponse {
            requests.withLock { $0.append(request) }
            let next = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let next else { return .text(418, "script exhausted") }
            if let delay = next.delay {
                _ = held.wait(timeout: .now() + GatewayProbe.seconds(delay))
            }
            return HTTPResponse(
                status: next.status, headers: next.headers, body: next.body.isEmpty ? .empty : .bytes(next.body))
        }

        /// Ends every delay, now and later. Idempotent.
        package func release() {
            let first = released.withLock { released in
                defer { released = true }
                return !released
            }
            if first { held.leave() }
        }

        // libdispatch traps when a group is freed while entered.
        deinit { release() }
    }

    private let script: Script
    private let server: HTTPServer
    package let port: UInt16

    package init(threadPerConnection: Bool = false, _ answers: [CannedAnswer]) throws {
        let script = Script(answers)
        self.script = script
        server = HTTPServer(options: HTTPServerOptions(threadPerConnection: threadPerConnection)) { request in
            script.answer(request)
        }
        port = try server.start()
    }

    package var baseURL: String { "http://127.0.0.1:\(port)" }
    package var requests: [HTTPRequest] { script.requests.withLock { $0 } }

    /// Stops serving at once: delayed answers still pending end their wait first, so this never
    /// waits for a delay to run out. Idempotent.
    package func stop() {
        script.release()
        server.stop()
    }
}

/// A loopback port that refuses every connection until `close()`: a socket is bound to it but never
/// listens. Unlike a port that was free a moment ago, no other test's server (nor an outgoing
/// connection's local port) can take it meanwhile.
package final class RefusingPort: Sendable {
    package let port: UInt16
    private let descriptor: Mutex<Int32?>

    package init() throws {
        let (fd, port) = try boundLoopbackSocket()
        descriptor = Mutex(fd)
        self.port = port
    }

    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Releases the port. Idempotent.
    package func close() {
        if let fd = descriptor.withLock({ $0.take() }) { Glibc.close(fd) }
    }

    deinit { close() }
}

package struct RefusingPortError: Error {
    package var errno: Int32

    package init(errno: Int32) { self.errno = errno }
}

/// A TCP socket bound to a free port on 127.0.0.1 (not listening yet), and that port.
package func boundLoopbackSocket() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RefusingPortError(errno: errno) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = unsafe inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = unsafe withUnsafeMutablePointer(to: &address) {
        unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe bind(fd, $0, length) }
    }
    let named = unsafe withUnsafeMutablePointer(to: &address) {
        unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe getsockname(fd, $0, &length) }
    }
    guard bound == 0, named == 0 else {
        let error = RefusingPortError(errno: errno)
        Glibc.close(fd)
        throw error
    }
    return (fd, UInt16(bigEndian: address.sin_port))
}

/// What a test client saw: its calls, its waits between attempts, its log lines.
package struct GatewayProbe {
    package let calls = Recorder<UpstreamCall>()
    package let sleeps = Recorder<Duration>()
    package let logs = CapturedLogs()

    package init() {}

    package var codes: [String] { calls.values.map(\.code) }

    /// A client of `base` whose waits are recorded and skipped (or run by `sleep` when given).
    package func client(
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
package func gatewayOutcome<Value>(_ body: () async throws -> Value) async -> Result<Value, UpstreamError> {
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
    package var upstreamFailure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension GatewayProbe {
    /// A duration in seconds.
    package static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

import Foundation
import Logging
import SunoExporterCore
import SunoHTTP
import SunoStore
import SunoUpstream

/// `serve --proxy`: forwards the gateway's submit and fetch routes, so a client that points its base
/// URL at the exporter has every task it submits watched with no code change (README, "Submit proxy").
///
/// Runs on libmicrohttpd's connection threads and blocks one of them for the gateway's answer: with
/// the proxy on, the server runs a thread per connection, so a slow submit holds only its own
/// connection and never a scrape. At most `maxInFlight` requests are forwarded at once; more are
/// answered 503 at once, without waiting.
///
/// What goes to the gateway is the client's request: its body byte for byte, its `Authorization`
/// untouched (never stored, logged or replaced by the exporter's key) and a few content headers
/// (`ProxyHeaders`). What comes back is the gateway's status, headers and body as they arrived.
/// A successful submit's task id is registered (source `proxy`) before the client gets the answer.
public struct SubmitProxy: Sendable {
    let upstreamBase: String
    let settings: ProxySettings
    let transport: PassThroughTransport
    let gate: ProxyGate
    let store: TaskStore
    let collector: Collector?
    let recorder: ProxyMetricsRecorder
    let logger: Logger
    let clock: @Sendable () -> Double

    /// - Parameters:
    ///   - baseURL: the gateway root (the collector's `--cometapi.base-url`).
    ///   - collector: told when a registration changed the watch list, so metrics follow sooner.
    public init(
        baseURL: String, settings: ProxySettings, store: TaskStore, collector: Collector?,
        recorder: ProxyMetricsRecorder, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        var base = URLComponents(string: baseURL) ?? URLComponents()
        var prefix = base.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        base.percentEncodedPath = prefix
        base.query = nil
        base.fragment = nil
        upstreamBase = base.string ?? baseURL
        self.settings = settings
        transport = PassThroughTransport(
            maxIdleConnections: min(settings.maxInFlight, 8), maximumBodyBytes: settings.maxAnswerBytes)
        gate = ProxyGate(limit: settings.maxInFlight)
        self.store = store
        self.collector = collector
        self.recorder = recorder
        self.logger = logger
        self.clock = clock
    }

    /// Answers a request for a proxied route; nil when the path is none of them.
    public func handle(_ request: HTTPRequest) -> HTTPResponse? {
        guard let route = ProxyRoute(path: request.path) else { return nil }
        guard request.method == route.method else {
            return APIError.methodNotAllowed(request.method, allow: [route.method]).response
        }
        let endpoint = route.endpoint
        guard gate.enter() else {
            recorder.record(endpoint: endpoint, code: ProxyMetrics.busyCode, seconds: nil)
            return Self.failure(
                503, code: "proxy_busy",
                message: "the exporter is forwarding \(gate.limit) requests already; retry shortly",
                headers: [("Retry-After", "1")])
        }
        defer { gate.leave() }

        let query = PercentEncoding.query(request.query)
        let forwarded = PassThroughRequest(
            method: route.method == "GET" ? .get : .post,
            url: upstreamBase + route.upstreamPath + (query.isEmpty ? "" : "?" + query),
            headers: ProxyHeaders.upstream(request.headers, route: route), body: request.body)
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = transport.performBlocking(forwarded, timeout: .milliseconds(Int64(settings.timeout * 1_000)))
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        switch outcome {
        case .answer(let answer) where (100...999).contains(answer.status):
            recorder.record(endpoint: endpoint, code: String(answer.status), seconds: seconds)
            if let action = route.registeredAction, (200...299).contains(answer.status) {
                registerSubmitted(answer, action: action, request: request)
            }
            return HTTPResponse(
                status: answer.status, headers: ProxyHeaders.downstream(answer.headers),
                body: answer.body.isEmpty ? .empty : .bytes(answer.body))
        case .answer:
            return unreachable(endpoint, "badServerResponse")
        case .timeout:
            recorder.record(endpoint: endpoint, code: ProxyMetrics.timeoutCode, seconds: seconds)
            logger.warning(
                "proxied request timed out",
                metadata: ["proxy.endpoint": "\(endpoint.rawValue)", "proxy.seconds": "\(settings.timeout)"])
            return Self.failure(
                504, code: "gateway_timeout",
                message: "the gateway did not answer within \(DurationParser.format(settings.timeout))")
        case .tooLarge:
            recorder.record(endpoint: endpoint, code: ProxyMetrics.tooLargeCode, seconds: seconds)
            logger.warning("proxied answer too large", metadata: ["proxy.endpoint": "\(endpoint.rawValue)"])
            return Self.failure(
                502, code: "gateway_answer_too_large",
                message: "the gateway's answer is larger than \(settings.maxAnswerBytes) bytes")
        case .transport(let reason):
            return unreachable(endpoint, reason)
        case .cancelled:
            return unreachable(endpoint, "cancelled")
        }
    }

    private func unreachable(_ endpoint: ProxyMetrics.Endpoint, _ reason: String) -> HTTPResponse {
        recorder.record(endpoint: endpoint, code: ProxyMetrics.transportCode, seconds: nil)
        logger.warning(
            "proxied request failed", metadata: ["proxy.endpoint": "\(endpoint.rawValue)", "error": "\(reason)"])
        return Self.failure(502, code: "gateway_unreachable", message: "the gateway could not be reached (\(reason))")
    }

    /// The proxy's own errors, in the gateway's OpenAI envelope so clients parse them as they parse
    /// the gateway's: `{"error": {"message", "type", "code"}}`.
    static func failure(
        _ status: Int, code: String, message: String, headers: [(name: String, value: String)] = []
    ) -> HTTPResponse {
        let body = JSONValue.object([
            "error": .object([
                "message": .string(message), "type": .string("suno_exporter_proxy"), "code": .string(code),
            ])
        ])
        var bytes = body.bytes
        bytes.append(UInt8(ascii: "\n"))
        return HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: .bytes(bytes))
    }
}

import Logging
import SunoHTTP

/// A fake of the gateway's Suno task API (COMETAPI.md), served over HTTP on a loopback port.
///
/// Tasks follow timelines drawn from the configuration's model profiles; their state is derived
/// from the submit instant, the drawn timeline and the clock whenever asked, so there is no
/// background work. `groundTruth()` reports exactly what a fetch would answer at that instant.
public final class SunoSimulator: Sendable {
    /// The configuration the simulator was created with.
    public let configuration: SimulatorConfiguration
    private let engine: SimulatorEngine
    private let server: HTTPServer

    /// A stopped simulator; `start()` binds its port.
    public init(configuration: SimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        let engine = SimulatorEngine(configuration: configuration, logger: logger)
        self.engine = engine
        let handler = GatewayHandler(engine: engine)
        // Slow answers sleep in the handler, so every connection gets its own thread.
        server = HTTPServer(
            options: HTTPServerOptions(
                host: configuration.host, port: configuration.port, threadPerConnection: true, connectionLimit: 512,
                connectionTimeoutSeconds: 30),
            handler: { request in handler.respond(to: request) })
    }

    deinit { stop() }

    /// Binds and starts serving; returns the bound port.
    @discardableResult
    public func start() throws -> UInt16 {
        engine.isStopping = false
        let port = try server.start()
        engine.logger.info("gateway simulator listening", metadata: ["simulator.url": "\(url(port: port))"])
        return port
    }

    /// Stops serving; slow answers in flight end their sleep at once. Idempotent.
    public func stop() {
        guard server.boundPort != nil else { return }
        engine.isStopping = true
        server.stop()
        engine.logger.info("gateway simulator stopped")
    }

    /// `http://HOST:PORT` of the running server (the configured port before `start()`).
    public var baseURL: String {
        url(port: server.boundPort ?? configuration.port)
    }

    private func url(port: UInt16) -> String {
        let host = configuration.host.isEmpty ? "127.0.0.1" : configuration.host
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Creates a task as `POST /suno/submit/{music,lyrics}` would and returns its id.
    ///
    /// `action` is "MUSIC" or "LYRICS" (any case; anything else is MUSIC). For MUSIC, `model` is the `mv`
    /// (nil: `chirp-v3-0`) and `prompt` the inspiration-mode description; for LYRICS, `prompt` is the
    /// lyrics prompt and `model` only labels the task in `groundTruth()`. `backdatedBy` moves the submit
    /// instant that many seconds into the past (the demo uses it to start with finished tasks).
    @discardableResult
    public func submit(action: String, model: String?, prompt: String, backdatedBy: Double = 0) -> String {
        let kind = SimulatedAction(parsing: action) ?? .music
        var request = SubmitRequest(action: kind, model: model)
        switch kind {
        case .music: request.gptDescriptionPrompt = prompt
        case .lyrics: request.prompt = prompt
        }
        return engine.submit(request, backdatedBy: backdatedBy)
    }

    /// Answers the next `count` requests (nil: every request until changed) with `fault`.
    /// `.none` clears it.
    public func setFault(_ fault: SimulatorFault, forNextRequests count: Int? = nil) {
        engine.setFault(fault, count: count)
    }

    /// Every task as a fetch would show it now, in submission order.
    public func groundTruth() -> [SimulatedTask] {
        engine.groundTruth()
    }

    /// The account as `GET /user/quota` reports it now (balance, spend, billed requests).
    public func accountTruth() -> SimulatedAccountState {
        engine.accountState()
    }

    /// What has been requested so far.
    public var stats: SimulatorStats { engine.stats }
}

import Foundation
import Logging
import ServiceLifecycle
import SunoExporterCore
import SunoHTTP
import SunoSimulator
import SunoStore
import SunoUpstream

/// Wires the parts of `suno-exporter serve` together and runs them in one service group.
public enum ExporterApp {
    /// Everything built from a configuration, not yet running. Tests use it to drive parts directly.
    public struct Assembly: Sendable {
        public let store: TaskStore
        public let state: ExporterState
        public let recorder: SelfMetricsRecorder
        public let publisher: SnapshotPublisher
        public let collector: Collector
        public let router: Router
        public let server: HTTPServer
        /// The submit proxy, when `--proxy` is on.
        public let proxy: SubmitProxy?
        public let proxyMetrics: ProxyMetricsRecorder
        /// The balance poller, when `--cometapi.quota-url` is set (not yet polling: a service runs it).
        public let account: AccountPoller?
    }

    /// Opens the store and builds the collector, publisher and HTTP server for `configuration`,
    /// polling `baseURL` (the gateway, or the in-process simulator).
    public static func assemble(
        _ configuration: ServeConfiguration, baseURL: String, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws -> Assembly {
        let shard = configuration.collector.shard
        let store = try TaskStore(
            path: configuration.storagePath, owns: { id in shard?.owns(id) ?? true }, logger: logger)
        let state = ExporterState(
            maxModels: configuration.collector.maxModels, admittedModels: try store.admittedModels(),
            storeHealth: store.health)
        let recorder = SelfMetricsRecorder()
        let proxyMetrics = ProxyMetricsRecorder()
        let proxyOn = configuration.proxy != nil
        let account = configuration.quota.map {
            AccountPoller(
                settings: $0, maxKeys: configuration.collector.maxModels, version: BuildVersion.version,
                logger: logger, clock: clock)
        }
        let publisher = SnapshotPublisher(
            store: store, state: state, recorder: recorder, policy: configuration.collector.policy,
            buildInfo: BuildVersion.info,
            extraFamilies: {
                ProcessMetrics.collect() + (account?.families ?? []) + (proxyOn ? proxyMetrics.families : [])
            })
        let client = GatewayClient(
            configuration: GatewayClientConfiguration(
                baseURL: baseURL, apiKey: configuration.apiKey,
                requestTimeout: .milliseconds(Int64(configuration.requestTimeout * 1000)),
                maxConnections: configuration.collector.concurrency, version: BuildVersion.version),
            logger: logger, onCall: { recorder.record($0) }, onRejectedItems: { recorder.recordRejections($0) })
        let collector = Collector(
            store: store, source: client, settings: configuration.collector, state: state, recorder: recorder,
            publisher: publisher, logger: logger, clock: clock)
        let api = TaskAPI(
            store: store, collector: collector, apiToken: configuration.apiToken, logger: logger, clock: clock,
            gatewayKey: configuration.apiKey)
        let landing = LandingPage(
            buildInfo: BuildVersion.info, telemetryPath: configuration.telemetryPath,
            configurationSummary: configuration.summary, store: store, policy: configuration.collector.policy,
            clock: clock)
        let proxy = configuration.proxy.map {
            SubmitProxy(
                baseURL: baseURL, settings: $0, store: store, collector: collector, recorder: proxyMetrics,
                logger: logger, clock: clock)
        }
        let router = Router(
            telemetryPath: configuration.telemetryPath, publisher: publisher, state: state, api: api,
            landingPage: landing, proxy: proxy)
        // A proxied request blocks its connection's thread for the gateway's answer: with the proxy on,
        // every connection gets its own thread, so slow submits never hold a scrape (README, Submit proxy).
        let server = HTTPServer(
            options: HTTPServerOptions(
                host: configuration.listen.host, port: configuration.listen.port, threadPoolSize: 2,
                threadPerConnection: proxyOn,
                connectionLimit: configuration.webMaxConnections,
                connectionTimeoutSeconds: configuration.webConnectionTimeout, maxBodyBytes: 1 << 20),
            handler: { router.handle($0) })
        return Assembly(
            store: store, state: state, recorder: recorder, publisher: publisher, collector: collector, router: router,
            server: server, proxy: proxy, proxyMetrics: proxyMetrics, account: account)
    }

    /// Runs until SIGTERM or SIGINT. Throws (exit non-zero) when the store cannot open or the port cannot bind.
    public static func serve(_ configuration: ServeConfiguration, logger: Logger) async throws {
        var configuration = configuration
        var simulator: SunoSimulator?
        if configuration.demo {
            let simulated: SimulatorConfiguration = configuration.demoHang ? .demo().everyTaskHanging() : .demo()
            let demo = SunoSimulator(configuration: simulated, logger: logger)
            try demo.start()
            configuration.baseURL = demo.baseURL
            // The demo's spend comes from the simulator's quota endpoint (balance falls as tasks are submitted).
            configuration.quota?.url = demo.baseURL + "/user/quota"
            simulator = demo
            logger.info("demo gateway simulator started", metadata: ["url": "\(demo.baseURL)"])
        }
        defer { simulator?.stop() }

        let baseURL = configuration.baseURL
        let assembly = try assemble(configuration, baseURL: baseURL, logger: logger)
        try await assembly.publisher.publishInBackground(now: Date().timeIntervalSince1970)
        let port = try assembly.server.start()
        logger.info(
            "listening",
            metadata: [
                "address": "\(ListenAddress(host: configuration.listen.host, port: port))",
                "telemetry_path": "\(configuration.telemetryPath)", "gateway": "\(baseURL)",
                // Lower than --web.max-connections when the open-files limit could not be raised to fit.
                "max_connections": "\(assembly.server.connectionLimits?.total ?? configuration.webMaxConnections)",
            ])

        var services: [any Service] = [
            HTTPServerService(server: assembly.server, logger: logger),
            CollectorService(collector: assembly.collector),
        ]
        if let account = assembly.account {
            services.append(AccountQuotaService(poller: account))
        }
        if let simulator {
            services.append(DemoService(simulator: simulator, store: assembly.store, logger: logger))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        try await ServiceGroup(configuration: groupConfiguration).run()
        assembly.server.stop()
        logger.info("stopped")
    }
}

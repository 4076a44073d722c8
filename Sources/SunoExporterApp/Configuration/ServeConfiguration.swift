import SunoExporterCore
import SunoUpstream

/// Everything `suno-exporter serve` needs, validated by the command line before it gets here.
public struct ServeConfiguration: Sendable {
    public var listen: ListenAddress
    public var telemetryPath: String
    /// Bearer token for writes (from `--web.api-token-file`); nil: writes from loopback only.
    public var apiToken: String?
    public var baseURL: String
    public var apiKey: APIKey?
    public var storagePath: String
    public var requestTimeout: Double
    public var collector: CollectorSettings
    /// Start the gateway simulator in-process and feed it a workload.
    public var demo: Bool
    /// With `demo`: every simulated task hangs unfinished (`--demo.hang`), to try the stuck-task alert path.
    public var demoHang = false
    /// Connection limit and timeout of the HTTP daemon.
    public var webMaxConnections: Int
    public var webConnectionTimeout: Int
    /// The submit proxy (`--proxy`); nil when off.
    public var proxy: ProxySettings?
    /// Balance polling (`--cometapi.quota-*`); nil when off.
    public var quota: QuotaSettings?

    public init(
        listen: ListenAddress = ListenAddress(host: "", port: 9877), telemetryPath: String = "/metrics",
        apiToken: String? = nil, baseURL: String = "https://api.cometapi.com", apiKey: APIKey? = nil,
        storagePath: String = "./suno-exporter.db", requestTimeout: Double = 10,
        collector: CollectorSettings = CollectorSettings(), demo: Bool = false, webMaxConnections: Int = 4096,
        webConnectionTimeout: Int = 30, proxy: ProxySettings? = nil, quota: QuotaSettings? = nil
    ) {
        self.listen = listen
        self.telemetryPath = telemetryPath
        self.apiToken = apiToken
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.storagePath = storagePath
        self.requestTimeout = requestTimeout
        self.collector = collector
        self.demo = demo
        self.webMaxConnections = webMaxConnections
        self.webConnectionTimeout = webConnectionTimeout
        self.proxy = proxy
        self.quota = quota
    }

    /// What the landing page shows: every setting a user would check, never the key itself.
    public var summary: [(String, String)] {
        [
            ("listen address", listen.description),
            ("telemetry path", telemetryPath),
            ("gateway", demo ? "\(baseURL) (in-process simulator, --demo)" : baseURL),
            ("gateway key", apiKey == nil ? "not set" : "set (hidden)"),
            ("write auth", apiToken == nil ? "loopback clients only" : "bearer token"),
            ("storage", storagePath),
            ("retention", DurationParser.format(collector.retention)),
            ("collector interval", DurationParser.format(collector.interval)),
            ("batch size", "\(collector.batchSize)"),
            ("concurrency", "\(collector.concurrency)"),
            ("request timeout", DurationParser.format(requestTimeout)),
            (
                "stuck after",
                TaskAction.allCases.map {
                    "\($0.rawValue)=\(DurationParser.format(collector.policy.stuckThreshold(for: $0)))"
                }
                .joined(separator: ",")
            ),
            ("give up after", DurationParser.format(collector.policy.giveUpAfter)),
            ("missing grace", DurationParser.format(collector.policy.missingGrace)),
            ("max models", "\(collector.maxModels)"),
            ("shard", collector.shard.map { "\($0.index)/\($0.count)" } ?? "none"),
            (
                "submit proxy",
                proxy.map {
                    "on: /suno/submit/*, /suno/fetch; at most \($0.maxInFlight) in flight, timeout \(DurationParser.format($0.timeout))"
                } ?? "off"
            ),
            ("balance polling", quota.map { "\($0.url) every \(DurationParser.format($0.interval))" } ?? "off"),
        ]
    }
}

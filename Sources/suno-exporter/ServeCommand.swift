import ArgumentParser
import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoUpstream

/// `suno-exporter serve`: poll the gateway, keep history in SQLite, serve /metrics.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Watch task ids, poll the gateway and serve Prometheus metrics (default).")

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for metrics, API and landing page.")
    var listenAddress = ":9877"

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Option(
        name: .customLong("web.api-token-file"),
        help:
            "File holding the bearer token that writes to the API need. Without it, writes are accepted from loopback only."
    )
    var apiTokenFile: String?

    @Option(
        name: .customLong("web.max-connections"),
        help: "Concurrent HTTP connections accepted; one client address gets at most half of them.")
    var maxConnections = 4096

    @Option(name: .customLong("web.connection-timeout"), help: "Idle HTTP connections are closed after this duration.")
    var connectionTimeout = "30s"

    @Option(name: .customLong("cometapi.base-url"), help: "Base URL of the CometAPI-compatible gateway.")
    var baseURL = "https://api.cometapi.com"

    @Option(
        name: .customLong("cometapi.key-file"),
        help:
            "File holding the gateway key (first line). Default: the systemd credential $CREDENTIALS_DIRECTORY/cometapi-key, else the COMETAPI_KEY environment variable. Never pass the key itself as a flag."
    )
    var keyFile: String?

    @Option(
        name: .customLong("cometapi.quota-url"),
        help: "The gateway's quota service, polled for balance and spend metrics; empty disables.")
    var quotaURL = QuotaSettings.defaultURL

    @Option(
        name: .customLong("cometapi.quota-key-file"),
        help: "File holding the key for the quota service (a query-only key is advised). Default: the polling key.")
    var quotaKeyFile: String?

    @Option(
        name: .customLong("cometapi.quota-interval"),
        help: "Time between polls of the quota service (default 5m; 15s with --demo).")
    var quotaInterval: String?

    @Flag(
        name: .customLong("proxy"),
        help:
            "Forward the gateway's /suno/submit/* and /suno/fetch routes with the client's own key, and watch every task submitted through them."
    )
    var proxy = false

    @Option(name: .customLong("proxy.timeout"), help: "Longest wait for the gateway's answer to a proxied request.")
    var proxyTimeout = "3m"

    @Option(
        name: .customLong("proxy.max-in-flight"),
        help: "Proxied requests in flight at once; more are answered 503 at once (below --web.max-connections).")
    var proxyMaxInFlight = 32

    @Option(name: .customLong("storage.path"), help: "SQLite database file.")
    var storagePath = "./suno-exporter.db"

    @Option(
        name: .customLong("storage.retention"),
        help: "Finished tasks and their history are pruned after this long (counters stay).")
    var retention = "30d"

    @Option(name: .customLong("collector.interval"), help: "Time between gateway polls (default 15s; 5s with --demo).")
    var interval: String?

    @Option(name: .customLong("collector.batch-size"), help: "Task ids per batch request (1 to 100).")
    var batchSize = 50

    @Option(name: .customLong("collector.concurrency"), help: "Batch requests in flight at once.")
    var concurrency = 2

    @Option(name: .customLong("collector.timeout"), help: "Timeout of one gateway request.")
    var timeout = "10s"

    @Option(
        name: .customLong("task.stuck-after"),
        help: "Age after which an unfinished task counts as stuck: one duration, or per action (MUSIC=10m,LYRICS=3m).")
    var stuckAfter = "MUSIC=10m,LYRICS=3m"

    @Option(name: .customLong("task.give-up-after"), help: "Age after which an unfinished task is finished as expired.")
    var giveUpAfter = "24h"

    @Option(
        name: .customLong("task.missing-grace"),
        help: "An id the gateway never returned expires this long after registration.")
    var missingGrace = "15m"

    @Option(
        name: .customLong("metrics.max-models"),
        help: "Distinct model label values; later models are exported as \"other\".")
    var maxModels = 30

    @Option(name: .customLong("shard"), help: "i/n: this replica watches only ids whose hash mod n is i.")
    var shard: String?

    @Flag(
        name: .customLong("demo"),
        help: "Start the gateway simulator in-process and feed it a workload: live metrics, no key needed.")
    var demo = false

    @Flag(
        name: .customLong("demo.hang"),
        help: "With --demo: every simulated task hangs unfinished, so the stuck-task alerts fire (try the alert path).")
    var demoHang = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try makeConfiguration(environment: [:], loadSecrets: false)
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "suno-exporter")
        let configuration = try makeConfiguration(environment: ProcessInfo.processInfo.environment, loadSecrets: true)
        if configuration.apiKey == nil && !configuration.demo {
            logger.warning("no gateway key: set COMETAPI_KEY or --cometapi.key-file (requests go out unauthenticated)")
        }
        if !quotaURL.isEmpty && configuration.quota == nil {
            logger.warning(
                "balance polling off: no key for the quota service (--cometapi.quota-key-file or COMETAPI_KEY)")
        }
        do {
            try await ExporterApp.serve(configuration, logger: logger)
        } catch {
            logger.error("exporter failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// Parses and checks every flag; secrets are read only when `loadSecrets` (not during validation).
    func makeConfiguration(environment: [String: String], loadSecrets: Bool) throws -> ServeConfiguration {
        let listen: ListenAddress
        do { listen = try ListenAddress(parsing: listenAddress) } catch { throw ValidationError(error.description) }
        guard telemetryPath.hasPrefix("/"), telemetryPath != "/" else {
            throw ValidationError("--web.telemetry-path must start with / and not be / (got \"\(telemetryPath)\")")
        }
        guard (1...100).contains(batchSize) else {
            throw ValidationError("--collector.batch-size must be between 1 and 100 (got \(batchSize))")
        }
        guard (1...64).contains(concurrency) else {
            throw ValidationError("--collector.concurrency must be between 1 and 64 (got \(concurrency))")
        }
        guard maxModels >= 1 else {
            throw ValidationError("--metrics.max-models must be at least 1 (got \(maxModels))")
        }
        guard maxConnections >= 1 else { throw ValidationError("--web.max-connections must be at least 1") }
        guard proxyMaxInFlight >= 1, proxyMaxInFlight < maxConnections else {
            throw ValidationError(
                "--proxy.max-in-flight must be at least 1 and below --web.max-connections (\(maxConnections)), "
                    + "so scrapes always find a connection (got \(proxyMaxInFlight))")
        }
        if !quotaURL.isEmpty {
            do { try QuotaClientConfiguration.validate(url: quotaURL) } catch {
                throw ValidationError("--cometapi.quota-url: \(error.description)")
            }
        }
        guard URL(string: baseURL)?.scheme.map({ $0 == "http" || $0 == "https" }) == true else {
            throw ValidationError("--cometapi.base-url must be an http(s) URL (got \"\(baseURL)\")")
        }
        guard demo || !demoHang else { throw ValidationError("--demo.hang needs --demo") }
        let intervalSeconds = try Self.duration(
            interval ?? (demo ? "5s" : "15s"), flag: "collector.interval", minimum: 0.1)
        let policy = LifecyclePolicy(
            stuckAfter: try Self.stuckAfter(stuckAfter),
            giveUpAfter: try Self.duration(giveUpAfter, flag: "task.give-up-after", minimum: 1),
            missingGrace: try Self.duration(missingGrace, flag: "task.missing-grace", minimum: 0))
        let retentionSeconds = try Self.duration(retention, flag: "storage.retention", minimum: 86_400)
        let collector = CollectorSettings(
            interval: intervalSeconds, batchSize: batchSize, concurrency: concurrency, policy: policy,
            maxModels: maxModels, retention: retentionSeconds, shard: try shard.map(Self.shard))
        var configuration = ServeConfiguration(
            listen: listen, telemetryPath: telemetryPath, baseURL: baseURL, storagePath: storagePath,
            requestTimeout: try Self.duration(timeout, flag: "collector.timeout", minimum: 0.1),
            collector: collector, demo: demo, webMaxConnections: maxConnections,
            webConnectionTimeout: Int(try Self.duration(connectionTimeout, flag: "web.connection-timeout", minimum: 1)))
        configuration.demoHang = demoHang
        if proxy {
            configuration.proxy = ProxySettings(
                timeout: try Self.duration(proxyTimeout, flag: "proxy.timeout", minimum: 1),
                maxInFlight: proxyMaxInFlight)
        }
        let quotaSeconds = try Self.duration(
            quotaInterval ?? (demo ? "15s" : "5m"), flag: "cometapi.quota-interval", minimum: 10)
        if loadSecrets {
            do {
                configuration.apiKey = demo ? nil : try APIKey.load(environment: environment, keyFile: keyFile)
            } catch {
                throw ValidationError(error.description)
            }
            if let apiTokenFile {
                configuration.apiToken = try Self.readToken(apiTokenFile)
            }
            if !quotaURL.isEmpty, let key = try quotaKey(polling: configuration.apiKey) {
                configuration.quota = QuotaSettings(
                    url: quotaURL, key: key, interval: quotaSeconds, timeout: configuration.requestTimeout)
            }
        }
        return configuration
    }

    /// The quota service's key: the quota key file's, else the polling key; the demo's simulator takes any.
    func quotaKey(polling: APIKey?) throws -> APIKey? {
        if demo { return APIKey("sk-demo-query-key") }
        guard let quotaKeyFile else { return polling }
        do {
            return try APIKey.load(environment: [:], keyFile: quotaKeyFile)
        } catch {
            throw ValidationError("--cometapi.quota-key-file: \(error.description)")
        }
    }

    static func duration(_ text: String, flag: String, minimum: Double) throws -> Double {
        let seconds: Double
        do { seconds = try DurationParser.seconds(text) } catch {
            throw ValidationError("--\(flag): \(error.description)")
        }
        guard seconds >= minimum else {
            throw ValidationError("--\(flag) must be at least \(DurationParser.format(minimum)) (got \"\(text)\")")
        }
        return seconds
    }

    static func stuckAfter(_ text: String) throws -> [TaskAction: Double] {
        do { return try StuckAfterParser.parse(text) } catch {
            throw ValidationError("--task.stuck-after: \(error.description)")
        }
    }

    static func shard(_ text: String) throws -> Shard {
        do { return try Shard(parsing: text) } catch { throw ValidationError(error.description) }
    }

    static func readToken(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ValidationError("--web.api-token-file: cannot read \(path)")
        }
        let token =
            text.split(whereSeparator: \.isNewline).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw ValidationError("--web.api-token-file: \(path) is empty") }
        return token
    }
}

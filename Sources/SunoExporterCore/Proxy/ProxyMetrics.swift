/// The submit proxy's own figures (reset with each process, as self-metrics are).
public struct ProxyMetricsSnapshot: Sendable, Equatable {
    /// Proxied requests by (endpoint, code).
    public var requests: [SelfMetricsSnapshot.RequestKey: Double]
    /// Gateway latency per endpoint, for requests that reached it (an answer or a timeout).
    public var durations: [String: Histogram]
    /// Successful submits whose task id could not be registered.
    public var registrationFailures: Double

    public init() {
        requests = [:]
        durations = [:]
        registrationFailures = 0
    }
}

/// The `suno_proxy_*` families (README, "Submit proxy").
public enum ProxyMetrics {
    /// The endpoint label values: a bounded set, whatever path a client asks for.
    public enum Endpoint: String, Sendable, CaseIterable {
        case submitMusic = "submit_music"
        case submitLyrics = "submit_lyrics"
        /// `/suno/submit/{any other action}`.
        case submitOther = "submit_other"
        case fetch
        case fetchOne = "fetch_one"
    }

    /// The proxy's own code label values besides HTTP statuses: no answer in time, no answer at all,
    /// an answer over the size limit, and a request refused because too many were in flight.
    public static let timeoutCode = "timeout"
    public static let transportCode = "transport"
    public static let tooLargeCode = "too_large"
    public static let busyCode = "busy"

    /// Seconds. A lyrics submit blocks at the gateway until the lyrics exist (up to about 2 minutes,
    /// COMETAPI.md §6), so the buckets reach further than the collector's.
    public static let durationBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180]

    public static func families(_ snapshot: ProxyMetricsSnapshot) -> [MetricFamily] {
        [
            MetricFamily(
                name: "suno_proxy_requests_total",
                help:
                    "Requests forwarded by the submit proxy (serve --proxy) by endpoint and code: the gateway's HTTP status, or timeout, transport, too_large, busy (refused: too many in flight).",
                type: .counter,
                series: snapshot.requests.map { key, value in
                    Series([Label("code", key.code), Label("endpoint", key.endpoint)], value)
                }),
            MetricFamily(
                name: "suno_proxy_request_duration_seconds",
                help:
                    "Seconds the gateway took to answer a proxied request (the submit latency clients see, without the proxy's own overhead).",
                type: .histogram, unit: "seconds",
                series: snapshot.durations.map { endpoint, histogram in
                    Series(labels: [Label("endpoint", endpoint)], value: .histogram(histogram))
                }),
            MetricFamily(
                name: "suno_proxy_registration_failures_total",
                help:
                    "Successful submits through the proxy whose task id could not be added to the watch list (the id is logged at warning level).",
                type: .counter, series: [Series([], snapshot.registrationFailures)]),
        ]
    }
}

import SunoExporterCore
import Synchronization

/// Collects the proxy's figures from libmicrohttpd threads; read when a snapshot is published.
public final class ProxyMetricsRecorder: Sendable {
    private let state = Mutex(ProxyMetricsSnapshot())

    public init() {}

    /// One proxied request: its outcome code and, when the gateway was reached, its latency.
    func record(endpoint: ProxyMetrics.Endpoint, code: String, seconds: Double?) {
        state.withLock { metrics in
            metrics.requests[.init(endpoint: endpoint.rawValue, code: code), default: 0] += 1
            guard let seconds else { return }
            var histogram =
                metrics.durations[endpoint.rawValue] ?? Histogram(upperBounds: ProxyMetrics.durationBuckets)
            histogram.observe(seconds)
            metrics.durations[endpoint.rawValue] = histogram
        }
    }

    func recordRegistrationFailure() {
        state.withLock { $0.registrationFailures += 1 }
    }

    public var snapshot: ProxyMetricsSnapshot { state.withLock { $0 } }

    /// The `suno_proxy_*` families of the current figures.
    public var families: [MetricFamily] { ProxyMetrics.families(snapshot) }
}

/// Counts proxied requests in flight and refuses those beyond the limit.
final class ProxyGate: Sendable {
    private let inFlight = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place, or returns false when all are taken. Every true must be followed by `leave()`.
    func enter() -> Bool {
        let now = inFlight.add(1, ordering: .acquiringAndReleasing).newValue
        guard now <= limit else {
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
            return false
        }
        return true
    }

    func leave() {
        inFlight.subtract(1, ordering: .acquiringAndReleasing)
    }

    var current: Int { inFlight.load(ordering: .acquiring) }
}

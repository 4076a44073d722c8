import SunoExporterCore
import SunoUpstream
import Synchronization

/// Collects the process's own collector and gateway figures; read when a snapshot is published.
public final class SelfMetricsRecorder: Sendable {
    private let state = Mutex(SelfMetricsSnapshot())

    public init() {}

    /// One gateway attempt (called by the client for every try, retries included).
    public func record(_ call: UpstreamCall) {
        state.withLock { metrics in
            metrics.requests[.init(endpoint: call.endpoint, code: call.code), default: 0] += 1
            var histogram = metrics.requestDurations[call.endpoint] ?? Histogram(upperBounds: Histogram.requestBuckets)
            histogram.observe(call.seconds)
            metrics.requestDurations[call.endpoint] = histogram
        }
    }

    public func recordIDs(requested: Int, missing: Int) {
        state.withLock { metrics in
            metrics.idsRequested += Double(requested)
            metrics.idsMissing += Double(missing)
        }
    }

    /// Task items (or fields) of gateway answers that were set aside (the rest of each answer was used).
    public func recordRejections(_ rejections: [ItemRejection]) {
        state.withLock { metrics in
            for rejection in rejections { metrics.itemsRejected[rejection.reason.rawValue, default: 0] += 1 }
        }
    }

    /// The end of a cycle: `reachedGateway` says whether every batch got a valid answer.
    public func recordCycle(seconds: Double, reachedGateway: Bool, fullySuccessful: Bool, endedAt: Double) {
        state.withLock { metrics in
            metrics.cycleDurations.observe(seconds)
            metrics.upstreamUp = reachedGateway
            if fullySuccessful { metrics.lastSuccess = endedAt }
        }
    }

    public var snapshot: SelfMetricsSnapshot { state.withLock { $0 } }
}

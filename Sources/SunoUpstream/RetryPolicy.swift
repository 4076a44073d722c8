/// When a failed gateway call is tried again, and after how long (CometAPI's advice, COMETAPI.md §8:
/// retry 429 and 5xx with exponential backoff plus jitter; never 400/401/403).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per call, the first included; values below 1 count as 1.
    public var maxAttempts: Int
    public var backoffBase: Duration
    public var backoffMax: Duration
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    public var retryAfterMax: Duration

    public init(maxAttempts: Int, backoffBase: Duration, backoffMax: Duration, retryAfterMax: Duration) {
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.retryAfterMax = retryAfterMax
    }

    /// Whether an answer with this status is worth another attempt: 429 and every 5xx.
    /// Other statuses (400, 401, 403, 404, …) would fail the same way again.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// Whether another attempt may follow attempt number `attempt` (1-based).
    public func allowsAnotherAttempt(after attempt: Int) -> Bool {
        attempt < max(1, maxAttempts)
    }

    /// The exponential cap for the wait after attempt `attempt` (1-based): min(max, base·2^(attempt-1)).
    public func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = backoffBase * (1 << exponent)
        return min(max(ceiling, .zero), max(backoffMax, .zero))
    }

    /// The wait before the next attempt. A gateway's `Retry-After` wins (capped by `retryAfterMax`);
    /// otherwise full jitter: `unit` (a uniform draw in [0, 1]) times the exponential cap.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, unit: Double) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), max(retryAfterMax, .zero))
        }
        return backoffCeiling(afterAttempt: attempt) * min(max(unit, 0), 1)
    }
}

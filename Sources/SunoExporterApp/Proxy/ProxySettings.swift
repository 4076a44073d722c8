/// How the submit proxy (`serve --proxy`) forwards requests.
public struct ProxySettings: Sendable, Equatable {
    /// Longest wait for the gateway's whole answer, seconds (`--proxy.timeout`). A lyrics submit blocks
    /// at the gateway until the lyrics exist, up to about 2 minutes.
    public var timeout: Double
    /// Proxied requests in flight at once (`--proxy.max-in-flight`); more are answered 503 at once.
    public var maxInFlight: Int
    /// Largest gateway answer passed on, bytes; a larger one is answered 502.
    public var maxAnswerBytes: Int

    /// 16 MiB: a batch answer of 1000 tasks is about 1.6 MB.
    public static let defaultMaxAnswerBytes = 16 << 20

    public init(timeout: Double = 180, maxInFlight: Int = 32, maxAnswerBytes: Int = defaultMaxAnswerBytes) {
        self.timeout = timeout
        self.maxInFlight = maxInFlight
        self.maxAnswerBytes = maxAnswerBytes
    }
}

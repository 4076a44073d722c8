import SunoUpstream

/// Where the balance poller asks and how often (`--cometapi.quota-*`).
public struct QuotaSettings: Sendable {
    /// The documented default of `--cometapi.quota-url`.
    public static let defaultURL = "https://query.cometapi.com/user/quota"

    /// The quota service, without the key.
    public var url: String
    /// The key sent as `?key=`: the quota key file's, else the polling key.
    public var key: APIKey
    /// Seconds between polls (`--cometapi.quota-interval`).
    public var interval: Double
    /// Longest wait for one answer, seconds.
    public var timeout: Double

    public init(url: String = defaultURL, key: APIKey, interval: Double = 300, timeout: Double = 10) {
        self.url = url
        self.key = key
        self.interval = interval
        self.timeout = timeout
    }
}

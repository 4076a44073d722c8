import Foundation

/// How the gateway client reaches CometAPI (or any gateway with the same task API) and how
/// patiently it retries. Every argument but the base URL has the documented default.
public struct GatewayClientConfiguration: Sendable {
    /// The gateway root, e.g. "https://api.cometapi.com". A trailing slash and a path prefix
    /// ("https://proxy.example/gw/") are accepted; `/suno/fetch` is appended to the path.
    public var baseURL: String
    /// Sent as `Authorization: Bearer <key>`; nil (or an empty key) sends no `Authorization`.
    public var apiKey: APIKey?
    /// Longest wait for one attempt, connection to last byte.
    public var requestTimeout: Duration
    /// Attempts per call, the first included (1 disables retries).
    public var maxAttempts: Int
    /// Backoff before retry n is a uniform draw in [0, min(backoffMax, backoffBase·2^(n-1))] ("full jitter").
    public var backoffBase: Duration
    public var backoffMax: Duration
    /// A gateway's `Retry-After` is honoured up to this long.
    public var retryAfterMax: Duration
    /// Keep-alive connections to the gateway kept open between calls (one per idle libcurl handle);
    /// calls beyond them in flight at once open short-lived extra connections.
    public var maxConnections: Int
    /// The exporter's version, sent as `User-Agent: suno-exporter/<version>`.
    public var version: String

    public init(
        baseURL: String = "https://api.cometapi.com", apiKey: APIKey? = nil, requestTimeout: Duration = .seconds(10),
        maxAttempts: Int = 4, backoffBase: Duration = .milliseconds(500), backoffMax: Duration = .seconds(8),
        retryAfterMax: Duration = .seconds(60), maxConnections: Int = 2, version: String = "dev"
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.retryAfterMax = retryAfterMax
        self.maxConnections = maxConnections
        self.version = version
    }

    /// The `User-Agent` header value.
    public var userAgent: String { "suno-exporter/\(version)" }

    /// The retry rules these settings describe.
    public var retryPolicy: RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts, backoffBase: backoffBase, backoffMax: backoffMax, retryAfterMax: retryAfterMax)
    }

    /// Checks the settings, for the application's start-up validation. Messages never quote the
    /// base URL, which could carry credentials.
    public func validate() throws(GatewayConfigurationError) {
        guard let components = URLComponents(string: baseURL) else {
            throw GatewayConfigurationError("the gateway base URL is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw GatewayConfigurationError("the gateway base URL must start with http:// or https://")
        }
        guard components.user == nil, components.password == nil else {
            throw GatewayConfigurationError(
                "the gateway base URL must not contain credentials; give the key in COMETAPI_KEY or a key file")
        }
        guard let host = components.host, !host.isEmpty else {
            throw GatewayConfigurationError("the gateway base URL has no host")
        }
        guard components.query == nil, components.fragment == nil else {
            throw GatewayConfigurationError("the gateway base URL must not have a query or a fragment")
        }
        guard requestTimeout > .zero else {
            throw GatewayConfigurationError("the gateway request timeout must be positive")
        }
        guard maxAttempts >= 1 else {
            throw GatewayConfigurationError("the gateway client needs at least 1 attempt per call")
        }
        guard backoffBase >= .zero, backoffMax >= .zero, retryAfterMax >= .zero else {
            throw GatewayConfigurationError("gateway backoff durations must not be negative")
        }
        guard maxConnections >= 1 else {
            throw GatewayConfigurationError("the gateway client needs at least 1 connection")
        }
    }

    /// The URL of `path` (which starts with "/") under the base URL, or nil when the base is unusable.
    func endpointURL(_ percentEncodedPath: String) -> URL? {
        guard var components = URLComponents(string: baseURL), components.scheme != nil, components.host != nil else {
            return nil
        }
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        components.percentEncodedPath = prefix + percentEncodedPath
        components.query = nil
        components.fragment = nil
        return components.url
    }
}

/// A configuration setting the client cannot work with.
public struct GatewayConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

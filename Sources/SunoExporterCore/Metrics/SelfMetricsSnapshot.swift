/// The process's own collector and gateway-client figures (reset with each process, as usual).
public struct SelfMetricsSnapshot: Sendable, Equatable {
    /// nil before the first cycle ended.
    public var upstreamUp: Bool?
    /// Gateway calls by (endpoint, code).
    public var requests: [RequestKey: Double]
    public var requestDurations: [String: Histogram]
    public var idsRequested: Double
    public var idsMissing: Double
    /// Task items (or fields) of gateway answers set aside, by `ItemRejection.Reason` raw value.
    public var itemsRejected: [String: Double]
    public var lastSuccess: Double?
    public var cycleDurations: Histogram

    public struct RequestKey: Sendable, Hashable {
        public var endpoint: String
        public var code: String
        public init(endpoint: String, code: String) {
            self.endpoint = endpoint
            self.code = code
        }
    }

    public init() {
        upstreamUp = nil
        requests = [:]
        requestDurations = [:]
        idsRequested = 0
        idsMissing = 0
        itemsRejected = [:]
        lastSuccess = nil
        cycleDurations = Histogram(upperBounds: Histogram.cycleBuckets)
    }
}

/// Version facts fixed at build time.
public struct BuildInfo: Sendable, Equatable {
    public var version: String
    public var revision: String
    public var swiftVersion: String
    public init(version: String, revision: String, swiftVersion: String) {
        self.version = version
        self.revision = revision
        self.swiftVersion = swiftVersion
    }
}

/// The failure ratio inputs of one window, for one action and model label.
public struct FailureWindow: Sendable, Equatable {
    public var name: String
    public var action: String
    public var model: String
    public var failures: Int
    public var finished: Int
    public init(name: String, action: String, model: String, failures: Int, finished: Int) {
        self.name = name
        self.action = action
        self.model = model
        self.failures = failures
        self.finished = finished
    }
}

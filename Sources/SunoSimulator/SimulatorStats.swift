/// The routes the fake gateway tells apart in its statistics.
public enum SimulatorEndpoint: String, Sendable, CaseIterable, Hashable {
    case fetchBatch = "POST /suno/fetch"
    case fetchOne = "GET /suno/fetch/{id}"
    case submitMusic = "POST /suno/submit/music"
    case submitLyrics = "POST /suno/submit/lyrics"
    /// A submit with any other action.
    case submitOther = "POST /suno/submit/{action}"
    /// The quota service's account query.
    case quota = "GET /user/quota"
    /// Anything else (answered 404).
    case other = "other"
}

/// What the simulator has been asked, so tests can check how a client talks to it.
public struct SimulatorStats: Sendable, Equatable {
    /// Requests received per endpoint, faulted and unauthorized ones included.
    public var requests: [SimulatorEndpoint: Int] = [:]
    /// Batch fetches answered normally (status 200).
    public var fetchRequests = 0
    /// Ids in those batches (array elements, duplicates and unknown ids included).
    public var idsRequested = 0
    /// Task items returned by those batches.
    public var itemsReturned = 0
    /// Most ids seen in one batch.
    public var largestBatch = 0
    /// Requests answered with an injected fault.
    public var faultsInjected = 0
    /// Requests refused for a missing or wrong key.
    public var unauthorized = 0
    /// Tasks created, through HTTP or `submit(...)`.
    public var tasksSubmitted = 0

    /// Nothing counted yet.
    public init() {}

    /// Requests received on one endpoint.
    public func count(_ endpoint: SimulatorEndpoint) -> Int { requests[endpoint, default: 0] }
}

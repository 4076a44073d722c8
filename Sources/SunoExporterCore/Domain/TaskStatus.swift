/// The two kinds of Suno task the gateway runs. Batches are sent per action.
public enum TaskAction: String, Sendable, CaseIterable, Hashable, Codable {
    case music = "MUSIC"
    case lyrics = "LYRICS"

    /// Parses an action case-insensitively ("music" is accepted, as the gateway upper-cases it).
    public init?(parsing text: String) {
        self.init(rawValue: text.uppercased())
    }
}

/// A task status as the gateway reports it. Unrecognised strings map to `.unknown`;
/// the raw text is kept separately in history.
public enum TaskStatus: String, Sendable, CaseIterable, Hashable, Codable {
    case notStart = "NOT_START"
    case submitted = "SUBMITTED"
    case queued = "QUEUED"
    case inProgress = "IN_PROGRESS"
    case success = "SUCCESS"
    case failure = "FAILURE"
    case unknown = "UNKNOWN"

    /// Any string the gateway may send; unknown text becomes `.unknown` (non-terminal).
    public init(upstream text: String) {
        self = TaskStatus(rawValue: text) ?? .unknown
    }

    public var isTerminal: Bool { self == .success || self == .failure }

    /// The statuses exported by `suno_tasks`, in exposition order.
    public static let nonTerminal: [TaskStatus] = [.notStart, .submitted, .queued, .inProgress, .unknown]
}

/// How a watched task ended.
public enum TaskOutcome: String, Sendable, CaseIterable, Hashable, Codable {
    case success
    case failure
    /// Given up by the exporter: too old, or never returned by the gateway.
    case expired
}

/// A watched task as the store keeps it: the last observation plus the exporter's own bookkeeping.
public struct TrackedTask: Sendable, Equatable {
    public var id: String
    public var action: TaskAction
    /// The model given at registration, if any.
    public var registeredModel: String?
    /// The clip `model_name` once the gateway has reported one.
    public var clipModel: String?
    public var labels: [String: String]
    /// The last status string verbatim ("NOT_START" until the gateway returns the task).
    public var status: String
    public var progress: String
    public var failReason: String
    /// Gateway clock, Unix seconds; 0 = unset.
    public var submitTime: Int64
    public var startTime: Int64
    public var finishTime: Int64
    /// When the id was registered (exporter clock, Unix seconds).
    public var firstSeen: Double
    public var lastPolled: Double?
    /// The first time the gateway returned this id (nil: never). Only the first matters (the missing
    /// grace), and keeping it fixed lets an unchanged poll skip rewriting the row.
    public var firstReturned: Double?
    public var pollCount: Int
    /// Set once the task has ended; it is then no longer polled.
    public var outcome: TaskOutcome?
    /// When the exporter recorded the end.
    public var finishedAt: Double?
    public var queueWaitObserved: Bool
    public var firstAudioObserved: Bool
    /// Where the id was registered from (`RegistrationSource` text, kept as stored).
    public var source: String

    public init(
        id: String, action: TaskAction, registeredModel: String? = nil, clipModel: String? = nil,
        labels: [String: String] = [:], status: String = TaskStatus.notStart.rawValue, progress: String = "",
        failReason: String = "", submitTime: Int64 = 0, startTime: Int64 = 0, finishTime: Int64 = 0,
        firstSeen: Double, lastPolled: Double? = nil, firstReturned: Double? = nil, pollCount: Int = 0,
        outcome: TaskOutcome? = nil, finishedAt: Double? = nil, queueWaitObserved: Bool = false,
        firstAudioObserved: Bool = false, source: String = RegistrationSource.api.rawValue
    ) {
        self.id = id
        self.action = action
        self.registeredModel = registeredModel
        self.clipModel = clipModel
        self.labels = labels
        self.status = status
        self.progress = progress
        self.failReason = failReason
        self.submitTime = submitTime
        self.startTime = startTime
        self.finishTime = finishTime
        self.firstSeen = firstSeen
        self.lastPolled = lastPolled
        self.firstReturned = firstReturned
        self.pollCount = pollCount
        self.outcome = outcome
        self.finishedAt = finishedAt
        self.queueWaitObserved = queueWaitObserved
        self.firstAudioObserved = firstAudioObserved
        self.source = source
    }

    /// DESIGN.md §2: the clip model when known, else the registered one, else `unknown`.
    public var model: String {
        ModelName.normalise(clipModel ?? registeredModel)
    }

    public var statusClass: TaskStatus { TaskStatus(upstream: status) }

    /// The gateway's submit time, or the registration time when the gateway gave none.
    public var submitReference: Double { submitTime > 0 ? Double(submitTime) : firstSeen }

    public var isFinished: Bool { outcome != nil }
}

/// Model names come from the gateway: keep them printable and short before they become label values.
public enum ModelName {
    public static let unknown = "unknown"
    public static let other = "other"
    public static let maxLength = 64

    /// Trims, drops control characters, caps the length; empty or nil becomes `unknown`.
    public static func normalise(_ raw: String?) -> String {
        guard let raw else { return unknown }
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars where !scalar.properties.generalCategory.isControlLike {
            scalars.append(scalar)
        }
        let cleaned = String(String(scalars).trimmingWhitespace()).prefix(maxLength)
        return cleaned.isEmpty ? unknown : String(cleaned)
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControlLike: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: true
        default: false
        }
    }
}

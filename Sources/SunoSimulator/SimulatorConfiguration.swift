/// How long a task spends in each phase, in seconds before `SimulatorConfiguration.timeScale`.
/// Every task draws one value from each range.
public struct PhaseTimeline: Sendable, Equatable {
    /// NOT_START → SUBMITTED: until the gateway's first poll.
    public var toSubmitted: ClosedRange<Double>
    /// SUBMITTED → QUEUED.
    public var toQueued: ClosedRange<Double>
    /// QUEUED → IN_PROGRESS (clips streaming, `start_time` set).
    public var toInProgress: ClosedRange<Double>
    /// IN_PROGRESS → SUCCESS / FAILURE.
    public var toDone: ClosedRange<Double>

    /// A timeline from four ranges of seconds.
    public init(
        toSubmitted: ClosedRange<Double>, toQueued: ClosedRange<Double>, toInProgress: ClosedRange<Double>,
        toDone: ClosedRange<Double>
    ) {
        self.toSubmitted = toSubmitted
        self.toQueued = toQueued
        self.toInProgress = toInProgress
        self.toDone = toDone
    }

    /// A LYRICS timeline: only the delay until the gateway's first poll matters (the upstream
    /// already finished the lyrics when it answered the submit).
    public static func lyrics(firstPoll: ClosedRange<Double>) -> PhaseTimeline {
        PhaseTimeline(toSubmitted: firstPoll, toQueued: 0...0, toInProgress: 0...0, toDone: 0...0)
    }
}

/// The behaviour of one model (or of every task of an action when `model` is nil).
///
/// Outcome shares are drawn in the order failure, timeout, hang, frozen; the rest succeeds.
/// Shares summing above 1 starve the later ones.
public struct ModelProfile: Sendable, Equatable {
    /// The action whose tasks follow this profile.
    public var action: SimulatedAction
    /// The `mv` this profile applies to; nil matches any model of the action (LYRICS has none).
    public var model: String?
    /// Phase durations, drawn per task.
    public var timeline: PhaseTimeline
    /// Share ending FAILURE with an error clip (`fail_reason` = the clip's `error_message`).
    public var failureShare: Double
    /// Share ending FAILURE `"time out"` at `upstreamTimeout` after submit.
    public var timeoutShare: Double
    /// Share that never finishes (stuck in one non-terminal status).
    public var hangShare: Double
    /// Share frozen by the gateway: progress "100%" and a `fail_reason`, status stays non-terminal,
    /// `finish_time` stays 0.
    public var frozenShare: Double

    /// A profile; the shares default to 0 (every task succeeds).
    public init(
        action: SimulatedAction, model: String?, timeline: PhaseTimeline, failureShare: Double = 0,
        timeoutShare: Double = 0, hangShare: Double = 0, frozenShare: Double = 0
    ) {
        self.action = action
        self.model = model
        self.timeline = timeline
        self.failureShare = failureShare
        self.timeoutShare = timeoutShare
        self.hangShare = hangShare
        self.frozenShare = frozenShare
    }

    /// Any MUSIC model: about two minutes, always successful.
    public static let anyMusic = ModelProfile(
        action: .music, model: nil,
        timeline: PhaseTimeline(toSubmitted: 2...8, toQueued: 2...10, toInProgress: 5...30, toDone: 60...150))

    /// LYRICS: ready at the gateway's first poll, always successful.
    public static let anyLyrics = ModelProfile(action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 2...15))
}

/// Which task item fields the fake gateway writes (COMETAPI.md §1).
public enum ItemShape: Sendable, Equatable {
    /// The 9 new-api fields plus `notify_hook`, as CometAPI documents.
    case cometAPI
    /// The 9 fields of new-api before 2026 (no `notify_hook`).
    case newAPI2025
    /// The 9 fields plus new-api 2026's `id, created_at, updated_at, platform, user_id, group,
    /// channel_id, quota, properties`.
    case newAPI2026
}

/// Everything the simulator needs to know. Every field has a default.
public struct SimulatorConfiguration: Sendable {
    /// The address to listen on: an IPv4 or IPv6 literal.
    public var host: String
    /// 0 picks any free port (`SunoSimulator.start()` returns the bound one).
    public var port: UInt16
    /// When set, requests need `Authorization: Bearer <key>` (a leading `sk-` is ignored on both sides).
    public var apiKey: String?
    /// Multiplies every timeline duration, the upstream timeout and the gateway sweep.
    /// 1 is realistic (tens of seconds to minutes); tests use e.g. 0.02.
    public var timeScale: Double
    /// Per-model behaviour; a submit for a model without a profile uses the action's wildcard profile,
    /// else the action's first profile, else a built-in one.
    public var models: [ModelProfile]
    /// Seeds every random draw: ids, timelines, outcomes, generated texts.
    public var seed: UInt64
    /// one-hub's silent `LIMIT 100`: at most this many items per batch answer (nil = no limit, as new-api).
    public var itemLimit: Int?
    /// Upstream `CHAT_TIME_OUT`: a timing-out MUSIC task fails `"time out"` this long after submit (scaled).
    public var upstreamTimeout: Double
    /// new-api ≥ 2026-02-22's sweep: hanging tasks fail `任务超时（N分钟）` this long after submit
    /// (scaled). nil (the default) is the older gateway, where they hang forever.
    public var gatewaySweepAfter: Double?
    /// Share of tasks that report `start_time == submit_time` already at NOT_START (seen on CometAPI).
    public var earlyStartShare: Double
    /// Which item fields are written (default: CometAPI's).
    public var itemShape: ItemShape
    /// Adds the Suno feed fields CometAPI does not document (`is_video_pending`, `play_count`, `metadata.stream`, …)
    /// to every clip, to exercise a client's tolerance of unknown keys.
    public var clipExtraFields: Bool
    /// Where "now" comes from: the system clock, or a `ManualClock` in tests.
    public var clock: SimulatorClock
    /// The account the quota endpoint reports (balance, prices per action).
    public var account: SimulatorAccount

    /// A loopback simulator on a free port with one always-successful MUSIC and LYRICS profile.
    public init(
        host: String = "127.0.0.1", port: UInt16 = 0, apiKey: String? = nil, timeScale: Double = 1,
        models: [ModelProfile] = [.anyMusic, .anyLyrics], seed: UInt64 = 1, itemLimit: Int? = nil,
        upstreamTimeout: Double = 600, gatewaySweepAfter: Double? = nil, earlyStartShare: Double = 0.2,
        itemShape: ItemShape = .cometAPI, clipExtraFields: Bool = false, clock: SimulatorClock = .system,
        account: SimulatorAccount = SimulatorAccount()
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.timeScale = timeScale
        self.models = models
        self.seed = seed
        self.itemLimit = itemLimit
        self.upstreamTimeout = upstreamTimeout
        self.gatewaySweepAfter = gatewaySweepAfter
        self.earlyStartShare = earlyStartShare
        self.itemShape = itemShape
        self.clipExtraFields = clipExtraFields
        self.clock = clock
        self.account = account
    }

    /// The profile a new task of `action` / `model` follows.
    func profile(action: SimulatedAction, model: String?) -> ModelProfile {
        let candidates = models.filter { $0.action == action }
        return candidates.first { $0.model != nil && $0.model == model }
            ?? candidates.first { $0.model == nil }
            ?? candidates.first
            ?? (action == .music ? .anyMusic : .anyLyrics)
    }
}

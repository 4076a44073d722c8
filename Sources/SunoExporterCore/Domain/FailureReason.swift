/// Bounded classes of failure reasons, used as the `reason` label. The raw text stays in SQLite.
public enum FailureReason: String, Sendable, CaseIterable, Hashable {
    /// Suno-API gave up on an unfinished song: "time out".
    case upstreamTimeout = "upstream_timeout"
    /// The gateway's 24 h sweep: "任务超时（1440分钟）".
    case gatewayTimeout = "gateway_timeout"
    /// A clip reported an error ("Unable to generate audio …").
    case generationError = "generation_error"
    /// Moderation-like refusals (copyright, policy, sensitive content).
    case contentPolicy = "content_policy"
    /// The gateway itself failed (channel lookup, upstream request failure).
    case gatewayError = "gateway_error"
    case other

    /// Classifies a gateway `fail_reason`. Order matters: the most specific texts are tested first.
    public init(classifying text: String) {
        let lowered = text.lowercased()
        if lowered.contains("任务超时") || lowered.contains("task timeout") {
            self = .gatewayTimeout
        } else if lowered.trimmingWhitespace() == "time out" || lowered.contains("timed out")
            || lowered.contains("timeout")
        {
            self = .upstreamTimeout
        } else if Self.policyMarkers.contains(where: lowered.contains) {
            self = .contentPolicy
        } else if Self.gatewayMarkers.contains(where: lowered.contains) {
            self = .gatewayError
        } else if Self.generationMarkers.contains(where: lowered.contains) {
            self = .generationError
        } else {
            self = .other
        }
    }

    private static let policyMarkers = [
        "moderation", "policy", "copyright", "sensitive", "inappropriate", "violat", "prohibited", "not allowed",
        "artist name", "违规", "敏感",
    ]
    private static let gatewayMarkers = [
        "获取渠道信息失败", "请求上游地址失败", "channel", "upstream", "quota", "bad gateway", "service unavailable",
    ]
    private static let generationMarkers = ["unable to generate", "generation", "generate", "error", "failed"]
}

/// What the balance poller knows: the last successful quota answer and how the last poll went.
public struct AccountSnapshot: Sendable, Equatable {
    /// nil before the first poll ended; then whether the last poll got a valid answer.
    public var up: Bool?
    /// The last valid answer (kept when later polls fail, so a short outage leaves no gap).
    public var answer: QuotaAnswer?
    /// When the last valid answer arrived, Unix seconds.
    public var lastSuccess: Double?

    public init(up: Bool? = nil, answer: QuotaAnswer? = nil, lastSuccess: Double? = nil) {
        self.up = up
        self.answer = answer
        self.lastSuccess = lastSuccess
    }
}

/// The `suno_account_*` families (README, "Balance and spend"), built from an `AccountSnapshot`.
///
/// `suno_account_quota_up` and the last-success timestamp are always there once polling is on; the
/// amounts appear with the first valid answer and then keep its values until the next one. Key names
/// are label values, so they are bounded: names are cleaned like model names, keys of one name are
/// summed, and beyond `maxKeys` distinct names (in answer order) the rest are summed into `other`.
public enum AccountMetrics {
    static let fromLastPoll = "From the last successful poll of the quota service (--cometapi.quota-interval)."

    public static func families(_ snapshot: AccountSnapshot, maxKeys: Int) -> [MetricFamily] {
        var families = [
            MetricFamily(
                name: "suno_account_quota_up",
                help: "1 if the last poll of the gateway's quota service got a valid answer, else 0.",
                type: .gauge, series: [Series([], snapshot.up == true ? 1 : 0)]),
            MetricFamily(
                name: "suno_account_quota_last_success_timestamp_seconds",
                help: "When the quota service last gave a valid answer, Unix seconds (0: never).", type: .gauge,
                unit: "seconds", series: [Series([], snapshot.lastSuccess ?? 0)]),
        ]
        guard let answer = snapshot.answer else { return families }
        families.append(
            MetricFamily(
                name: "suno_account_balance_usd",
                help: "Balance of the gateway account (total_quota), USD. \(fromLastPoll)", type: .gauge,
                series: [Series([], answer.balance)]))
        if let used = answer.used {
            families.append(
                MetricFamily(
                    name: "suno_account_used_usd",
                    help:
                        "Spent by the gateway account so far (total_used_quota), USD: a gauge, since a refund lowers it. \(fromLastPoll)",
                    type: .gauge, series: [Series([], used)]))
        }
        if let requests = answer.requests {
            families.append(
                MetricFamily(
                    name: "suno_account_requests",
                    help: "Requests made by the gateway account (request_count). \(fromLastPoll)", type: .gauge,
                    series: [Series([], requests)]))
        }
        families.append(
            MetricFamily(
                name: "suno_account_key_remaining_usd",
                help:
                    "Remaining quota of each key of the account (remain_quota), USD; +Inf for an unlimited key. Beyond --metrics.max-models key names the rest are summed as \"other\". \(fromLastPoll)",
                type: .gauge,
                series: keyRemaining(answer.keys, maxKeys: maxKeys).map { Series([Label("key_name", $0.0)], $0.1) }))
        return families
    }

    /// Remaining quota per bounded key label, in first-seen order.
    static func keyRemaining(_ keys: [QuotaAnswer.KeyQuota], maxKeys: Int) -> [(String, Double)] {
        var order: [String] = []
        var sums: [String: Double] = [:]
        for key in keys {
            var label = ModelName.normalise(key.name)
            if sums[label] == nil, order.count >= max(1, maxKeys) { label = ModelName.other }
            if sums[label] == nil { order.append(label) }
            sums[label, default: 0] += key.remaining
        }
        return order.map { ($0, sums[$0] ?? 0) }
    }
}

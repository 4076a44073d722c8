import SunoExporterCore
import Testing

/// The `suno_account_*` families: present from the first poll, amounts from the first valid answer,
/// and a bounded `key_name` label set.
@Suite struct AccountMetricsTests {
    static func values(_ families: [MetricFamily]) -> [String: Double] {
        var values: [String: Double] = [:]
        for family in families {
            for series in family.series {
                guard case .scalar(let value) = series.value else { continue }
                let labels = series.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                values[family.name + (labels.isEmpty ? "" : "{\(labels)}")] = value
            }
        }
        return values
    }

    @Test func beforeAnyAnswerOnlyHealthIsShown() {
        let families = AccountMetrics.families(AccountSnapshot(), maxKeys: 30)
        #expect(
            Self.values(families) == [
                "suno_account_quota_up": 0, "suno_account_quota_last_success_timestamp_seconds": 0,
            ])
        // A failed first poll: still no amount, so no alert can read a made-up zero balance.
        #expect(Self.values(AccountMetrics.families(AccountSnapshot(up: false), maxKeys: 30)).count == 2)
    }

    @Test func aFailedPollKeepsTheLastFigures() {
        let answer = QuotaAnswer(
            balance: 42.5, used: 7.25, requests: 12,
            keys: [.init(name: "default", remaining: .infinity), .init(name: "ci", remaining: 3)])
        let families = AccountMetrics.families(
            AccountSnapshot(up: false, answer: answer, lastSuccess: 1_780_000_000), maxKeys: 30)
        #expect(
            Self.values(families) == [
                "suno_account_quota_up": 0, "suno_account_quota_last_success_timestamp_seconds": 1_780_000_000,
                "suno_account_balance_usd": 42.5, "suno_account_used_usd": 7.25, "suno_account_requests": 12,
                "suno_account_key_remaining_usd{key_name=default}": .infinity,
                "suno_account_key_remaining_usd{key_name=ci}": 3,
            ])
        let text = String(decoding: TextFormat.render(families), as: UTF8.self)
        #expect(text.contains("suno_account_key_remaining_usd{key_name=\"default\"} +Inf\n"))
        #expect(text.contains("# TYPE suno_account_used_usd gauge\n"))
    }

    @Test func absentAmountsLeaveTheirFamiliesOut() {
        let families = AccountMetrics.families(
            AccountSnapshot(up: true, answer: QuotaAnswer(balance: 1), lastSuccess: 5), maxKeys: 30)
        let names = Set(families.map(\.name))
        #expect(names.contains("suno_account_balance_usd"))
        #expect(!names.contains("suno_account_used_usd"))
        #expect(!names.contains("suno_account_requests"))
        #expect(families.first { $0.name == "suno_account_key_remaining_usd" }?.series.isEmpty == true)
    }

    /// Names are cleaned like model names, equal names summed, and beyond the limit the rest go to "other".
    @Test func keyLabelsAreBounded() {
        let keys: [QuotaAnswer.KeyQuota] = [
            .init(name: "a", remaining: 1), .init(name: " a\u{7}", remaining: 2), .init(name: "b", remaining: 4),
            .init(name: "c", remaining: 8), .init(name: "d", remaining: .infinity), .init(name: "", remaining: 16),
            .init(name: "b", remaining: 32),
        ]
        let families = AccountMetrics.families(
            AccountSnapshot(up: true, answer: QuotaAnswer(balance: 0, keys: keys), lastSuccess: 1), maxKeys: 2)
        let series = Self.values(families).filter { $0.key.hasPrefix("suno_account_key_remaining_usd") }
        #expect(
            series == [
                "suno_account_key_remaining_usd{key_name=a}": 3,
                "suno_account_key_remaining_usd{key_name=b}": 36,
                "suno_account_key_remaining_usd{key_name=other}": .infinity,
            ])
    }
}

import Foundation
import Logging
import SunoExporterCore
import SunoUpstream
import Synchronization

/// Polls the gateway's quota service and keeps what the `suno_account_*` families show.
///
/// Independent of the collector: a failed poll sets `suno_account_quota_up` to 0, keeps the last
/// figures and is logged (redacted); it never touches the task metrics or the collector's health.
public final class AccountPoller: Sendable {
    let client: QuotaClient
    let settings: QuotaSettings
    let maxKeys: Int
    let logger: Logger
    let clock: @Sendable () -> Double
    private let state = Mutex(AccountSnapshot())

    /// - Parameter maxKeys: distinct `key_name` label values (`--metrics.max-models`).
    public init(
        settings: QuotaSettings, maxKeys: Int, version: String, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.settings = settings
        self.maxKeys = maxKeys
        self.logger = logger
        self.clock = clock
        client = QuotaClient(
            configuration: QuotaClientConfiguration(
                url: settings.url, key: settings.key, timeout: .milliseconds(Int64(settings.timeout * 1_000)),
                version: version),
            logger: logger)
    }

    /// One poll; returns whether it got figures.
    @discardableResult
    public func poll() async -> Bool {
        do throws(QuotaError) {
            let answer = try await client.fetch()
            let now = clock()
            state.withLock { $0 = AccountSnapshot(up: true, answer: answer, lastSuccess: now) }
            logger.debug(
                "account quota polled",
                metadata: ["account.balance_usd": "\(answer.balance)", "account.keys": "\(answer.keys.count)"])
            return true
        } catch .cancelled {
            return false
        } catch {
            state.withLock { $0.up = false }
            logger.warning("account quota poll failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    public var snapshot: AccountSnapshot { state.withLock { $0 } }

    /// The `suno_account_*` families of the current figures.
    public var families: [MetricFamily] { AccountMetrics.families(snapshot, maxKeys: maxKeys) }
}

import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import Testing

/// Balance and spend polled from the simulator's quota endpoint, whose account pays a fixed price per
/// submitted task and is refunded for failed ones.
@Suite struct QuotaEndToEndTests {
    static let prices = SimulatorAccount(startingBalance: 50, musicPrice: 0.5, lyricsPrice: 0.1)

    @Test func balanceAndSpendFollowTheSubmittedTasks() async throws {
        let harness = try ProxyHarness(quotaKey: "sk-query-only", account: Self.prices)
        defer { harness.stop() }
        let poller = try #require(harness.assembly.account)
        for index in 0..<4 { harness.simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "m\(index)") }
        for index in 0..<2 { harness.simulator.submit(action: "LYRICS", model: nil, prompt: "l\(index)") }
        #expect(await poller.poll())
        var metrics = try await harness.scrape()
        #expect(metrics.sum("suno_account_quota_up") == 1)
        #expect(metrics.sum("suno_account_quota_last_success_timestamp_seconds") == harness.clock.now)
        #expect(abs(metrics.sum("suno_account_balance_usd") - 47.8) < 1e-9)
        #expect(abs(metrics.sum("suno_account_used_usd") - 2.2) < 1e-9)
        #expect(metrics.sum("suno_account_requests") == 6)
        #expect(metrics.sum("suno_account_key_remaining_usd", ["key_name": "default"]) == .infinity)
        #expect(metrics.sum("suno_account_key_remaining_usd", ["key_name": "query-only"]) == 0)

        // Two more through the proxy: the next poll shows them paid for.
        for index in 0..<2 {
            #expect(try await harness.submit(json: #"{"gpt_description_prompt":"p\#(index)"}"#).status == 200)
        }
        harness.clock.advance(by: 300)
        #expect(await poller.poll())
        metrics = try await harness.scrape()
        let truth = harness.simulator.accountTruth()
        #expect(abs(truth.balance - 46.8) < 1e-9)
        #expect(abs(metrics.sum("suno_account_balance_usd") - truth.balance) < 1e-9)
        #expect(abs(metrics.sum("suno_account_used_usd") - truth.used) < 1e-9)
        #expect(metrics.sum("suno_account_requests") == 8)
        #expect(metrics.sum("suno_account_quota_last_success_timestamp_seconds") == harness.clock.now)
        #expect(!harness.logs.all.contains { $0.contains("sk-query-only") })
    }

    /// The gateway refunds failed tasks: spend is a gauge that can go down.
    @Test func aRefundLowersTheUsedTotal() async throws {
        let timeline = PhaseTimeline(toSubmitted: 5...5, toQueued: 5...5, toInProgress: 5...5, toDone: 30...30)
        let harness = try ProxyHarness(
            models: [ModelProfile(action: .music, model: nil, timeline: timeline, failureShare: 1)],
            quotaKey: "sk-query-only", account: Self.prices)
        defer { harness.stop() }
        let poller = try #require(harness.assembly.account)
        for index in 0..<3 { harness.simulator.submit(action: "MUSIC", model: nil, prompt: "doomed \(index)") }
        #expect(await poller.poll())
        #expect(abs((try await harness.scrape()).sum("suno_account_used_usd") - 1.5) < 1e-9)
        harness.clock.advance(by: 600)
        #expect(harness.simulator.groundTruth().allSatisfy { $0.status == "FAILURE" })
        #expect(await poller.poll())
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_account_used_usd") == 0)
        #expect(metrics.sum("suno_account_balance_usd") == 50)
    }

    /// A failing quota service sets quota_up to 0, keeps the last figures, and leaves the collector alone.
    @Test func aFailedPollKeepsTheFiguresAndNeverTouchesTheCollector() async throws {
        let harness = try ProxyHarness(quotaKey: "sk-query-only", account: Self.prices)
        defer { harness.stop() }
        let poller = try #require(harness.assembly.account)
        let id = harness.simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "x")
        try harness.store.register([Registration(id: id, action: .music)], source: "api", now: harness.clock.now)
        #expect(await poller.poll())
        let polledAt = harness.clock.now
        harness.clock.advance(by: 300)
        harness.simulator.setFault(.serverError(500), forNextRequests: 1)
        #expect(await poller.poll() == false)
        await harness.runCycles(1, step: 15)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_account_quota_up") == 0)
        #expect(metrics.sum("suno_account_quota_last_success_timestamp_seconds") == polledAt)
        #expect(metrics.sum("suno_account_balance_usd") == 49.5)
        #expect(metrics.sum("suno_upstream_up") == 1)
        #expect(metrics.sum("suno_upstream_requests_total", ["code": "200"]) == 1)
        let warning = try #require(harness.logs.all.first { $0.contains("account quota poll failed") })
        #expect(warning.contains("quota service answered HTTP 500"))
    }

    @Test func aKeyTheServiceRefusesIsNeverLogged() async throws {
        let harness = try ProxyHarness(
            gatewayKey: "sk-account-right", exporterKey: "sk-account-right", quotaKey: "sk-wrongacct-Zx9Secret")
        defer { harness.stop() }
        let poller = try #require(harness.assembly.account)
        #expect(await poller.poll() == false)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_account_quota_up") == 0)
        #expect(!metrics.has("suno_account_balance_usd"))
        #expect(harness.logs.all.contains { $0.contains("quota service answered HTTP 401: invalid key") })
        #expect(!harness.logs.all.contains { $0.contains("Zx9Secret") || $0.contains("wrongacct") })
    }
}

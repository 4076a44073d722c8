import Foundation
import SunoExporterCore
import SunoUpstream
import Testing

/// The quota client against a scripted service: the key travels only in the query string, and never
/// reaches an error, a log line or another origin.
@Suite struct QuotaClientTests {
    static let key = "sk-quota-S3cretValue99"
    static let leak = "S3cretValue99"
    static let answer = #"{"username":"u","total_quota":12.5,"total_used_quota":2.5,"request_count":9,"keys":[]}"#

    static func client(_ gateway: ScriptedGateway, logs: CapturedLogs, timeout: Duration = .seconds(10))
        -> QuotaClient
    {
        QuotaClient(
            configuration: QuotaClientConfiguration(
                url: gateway.baseURL + "/user/quota", key: APIKey(key), timeout: timeout, version: "9.9"),
            logger: logs.logger)
    }

    /// What a failed fetch threw.
    static func failure(_ client: QuotaClient) async -> QuotaError? {
        do {
            _ = try await client.fetch()
            return nil
        } catch {
            return error
        }
    }

    @Test func theKeyTravelsInTheQueryStringOnly() async throws {
        let gateway = try ScriptedGateway([.json(200, Self.answer)])
        defer { gateway.stop() }
        let logs = CapturedLogs()
        let answer = try await Self.client(gateway, logs: logs).fetch()
        #expect(answer == QuotaAnswer(balance: 12.5, used: 2.5, requests: 9))
        let seen = try #require(gateway.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.path == "/user/quota")
        #expect(seen.queryValue("key") == Self.key)
        #expect(seen.header("authorization") == nil)
        #expect(seen.header("user-agent") == "suno-exporter/9.9")
    }

    @Test func errorsNeverQuoteTheKey() async throws {
        let gateway = try ScriptedGateway([
            .json(401, #"{"error":"invalid key \#(Self.key)"}"#), .text(200, "not json, your key was \(Self.key)"),
            .json(200, #"{"detail":"key \#(Self.key) is disabled"}"#),
        ])
        defer { gateway.stop() }
        let logs = CapturedLogs()
        let client = Self.client(gateway, logs: logs)
        let unauthorized = try #require(await Self.failure(client))
        #expect(unauthorized.description.hasPrefix("quota service answered HTTP 401: invalid key <redacted>"))
        let garbage = try #require(await Self.failure(client))
        #expect(garbage.description.hasPrefix("quota answer not understood: answer is not a JSON object"))
        let reported = try #require(await Self.failure(client))
        #expect(reported.description.contains("quota service reported an error: key <redacted> is disabled"))
        for error in [unauthorized, garbage, reported] {
            #expect(!error.description.contains(Self.leak.prefix(6)), "\(error)")
            #expect(!error.description.contains("key="), "\(error)")
            #expect(!error.description.contains(gateway.baseURL), "\(error)")
        }
        #expect(!logs.all.contains { $0.contains(Self.leak.prefix(6)) })
    }

    /// The documented URL is written with and without a trailing slash: a redirect to the other form is
    /// followed, with the key added again (not taken from the Location, which is never logged).
    @Test func aRedirectOnTheSameOriginIsFollowedOnce() async throws {
        let gateway = try ScriptedGateway([
            CannedAnswer(status: 307, headers: [("Location", "/user/quota/?key=\(Self.key)")], body: [], delay: nil),
            .json(200, Self.answer),
        ])
        defer { gateway.stop() }
        let logs = CapturedLogs()
        #expect(try await Self.client(gateway, logs: logs).fetch().balance == 12.5)
        #expect(gateway.requests.map(\.path) == ["/user/quota", "/user/quota/"])
        #expect(gateway.requests.last?.queryValue("key") == Self.key)
        #expect(gateway.requests.last?.query.count == 1)
        #expect(logs.all.contains { $0.contains("quota.path=/user/quota/") })
        #expect(!logs.all.contains { $0.contains(Self.leak.prefix(6)) })
    }

    @Test func aRedirectElsewhereIsNotFollowed() async throws {
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let gateway = try ScriptedGateway([
            CannedAnswer(status: 302, headers: [("Location", refusing.baseURL + "/collect")], body: [], delay: nil),
            CannedAnswer(
                status: 301, headers: [("Location", "https://elsewhere.invalid/user/quota")], body: [], delay: nil),
        ])
        defer { gateway.stop() }
        let client = Self.client(gateway, logs: CapturedLogs())
        #expect(await Self.failure(client) == .http(status: 302, message: nil))
        #expect(await Self.failure(client) == .http(status: 301, message: nil))
        #expect(gateway.requests.count == 2)
    }

    @Test func aSlowServiceTimesOut() async throws {
        let gateway = try ScriptedGateway(
            threadPerConnection: true, [.json(200, Self.answer, delay: .seconds(120))])
        defer { gateway.stop() }
        let client = Self.client(gateway, logs: CapturedLogs(), timeout: .seconds(1))
        #expect(await Self.failure(client) == .timeout)
    }

    @Test(arguments: [
        ("ftp://query.example/user/quota", "must start with http:// or https://"),
        ("https://query.example/user/quota?key=sk-inurl-Abc123", "must not hold a key argument"),
        ("https://me:Pw9secret@query.example/user/quota", "must not contain credentials"),
        ("https://query.example/user/quota#x", "must not have a fragment"),
        ("https:///user/quota", "has no host"),
    ])
    func badURLsAreRefusedWithoutQuotingThem(_ url: String, _ expected: String) throws {
        let error = try #require(throws: GatewayConfigurationError.self) {
            try QuotaClientConfiguration.validate(url: url)
        }
        #expect(error.description.contains(expected), "\(error)")
        #expect(!error.description.contains("Abc123") && !error.description.contains("Pw9secret"))
    }
}

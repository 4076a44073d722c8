import Foundation
import SunoTestSupport
import SunoUpstream
import Testing

/// The retry rules and `Retry-After` parsing, without a network.
@Suite struct GatewayClientRetryPolicyTests {
    let policy = GatewayClientConfiguration().retryPolicy

    @Test func theDefaultsAreTheDocumentedOnes() {
        #expect(
            policy
                == RetryPolicy(
                    maxAttempts: 4, backoffBase: .milliseconds(500), backoffMax: .seconds(8),
                    retryAfterMax: .seconds(60)))
        let configuration = GatewayClientConfiguration()
        #expect(configuration.requestTimeout == .seconds(10))
        #expect(configuration.maxConnections == 2)
        #expect(configuration.userAgent.hasPrefix("suno-exporter/"))
    }

    @Test func theBackoffCeilingDoublesUpToTheMaximum() {
        let ceilings = (1...7).map { policy.backoffCeiling(afterAttempt: $0) }
        #expect(
            ceilings == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8),
            ])
        #expect(policy.backoffCeiling(afterAttempt: 10_000) == .seconds(8))
    }

    @Test func fullJitterScalesTheCeiling() {
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 0) == .zero)
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 0.25) == .milliseconds(500))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 7) == .seconds(2))
    }

    @Test func retryAfterWinsAndIsCapped() {
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30), unit: 0.5) == .seconds(30))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3600), unit: 0.5) == .seconds(60))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .zero, unit: 0.5) == .zero)
    }

    @Test func attemptsStopAtTheMaximum() {
        #expect(policy.allowsAnotherAttempt(after: 3))
        #expect(!policy.allowsAnotherAttempt(after: 4))
        let once = RetryPolicy(maxAttempts: 0, backoffBase: .zero, backoffMax: .zero, retryAfterMax: .zero)
        #expect(!once.allowsAnotherAttempt(after: 1))
    }

    @Test(arguments: [
        (429, true), (500, true), (502, true), (503, true), (504, true), (524, true),
        (400, false), (401, false), (403, false), (404, false), (408, false), (200, false), (301, false),
    ])
    func retryableStatuses(status: Int, retryable: Bool) {
        #expect(RetryPolicy.isRetryable(status: status) == retryable)
    }

    static let now = Date(timeIntervalSince1970: 784_111_747)  // Sun, 06 Nov 1994 08:49:07 GMT

    @Test(arguments: [
        ("120", Duration.seconds(120)),
        (" 5 ", .seconds(5)),
        ("0", .zero),
        ("Sun, 06 Nov 1994 08:49:37 GMT", .seconds(30)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", .seconds(30)),
        ("Sun Nov  6 08:49:37 1994", .seconds(30)),
        ("Sun, 06 Nov 1994 08:48:00 GMT", .zero),
    ])
    func parsesRetryAfter(value: String, expected: Duration) {
        #expect(RetryAfter.parse(value, now: Self.now) == expected)
    }

    @Test(arguments: [
        "", "soon", "-1", "1.5", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 CET",
    ])
    func rejectsBadRetryAfter(value: String) {
        #expect(RetryAfter.parse(value, now: Self.now) == nil)
    }
}

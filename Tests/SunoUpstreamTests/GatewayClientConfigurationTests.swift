import SunoTestSupport
import SunoUpstream
import Testing

/// `GatewayClientConfiguration.validate()`: actionable messages that never quote the URL.
@Suite struct GatewayClientConfigurationTests {
    @Test(arguments: ["https://api.cometapi.com", "https://api.cometapi.com/", "http://127.0.0.1:8080/gw/"])
    func acceptsGatewayURLs(url: String) throws {
        try GatewayClientConfiguration(baseURL: url).validate()
    }

    @Test(arguments: [
        ("api.cometapi.com", "http:// or https://"),
        ("ftp://api.cometapi.com", "http:// or https://"),
        ("https://user:hunter2@api.cometapi.com", "credentials"),
        ("https://", "no host"),
        ("https://api.cometapi.com/?x=1", "query"),
        ("not a url at all", "http:// or https://"),
    ])
    func rejectsBadBaseURLs(url: String, expected: String) {
        #expect {
            try GatewayClientConfiguration(baseURL: url).validate()
        } throws: { error in
            let text = "\(error)"
            return text.contains(expected) && !text.contains("hunter2") && !text.contains(url)
        }
    }

    @Test func rejectsNonsenseLimits() {
        let base = GatewayClientConfiguration()
        var zeroTimeout = base
        zeroTimeout.requestTimeout = .zero
        var noAttempts = base
        noAttempts.maxAttempts = 0
        var noConnections = base
        noConnections.maxConnections = 0
        var negativeBackoff = base
        negativeBackoff.backoffBase = .seconds(-1)
        for configuration in [zeroTimeout, noAttempts, noConnections, negativeBackoff] {
            #expect(throws: GatewayConfigurationError.self) { try configuration.validate() }
        }
    }
}

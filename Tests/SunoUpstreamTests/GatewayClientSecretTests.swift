import Foundation
import SunoExporterCore
import SunoTestSupport
import SunoUpstream
import Testing

/// The key never shows: not in errors, not in logs, not in printed values (DESIGN.md §5).
@Suite struct GatewayClientSecretTests {
    static let secret = "Zq9SECRETkey42"
    static let key = APIKey("sk-\(secret)\n")

    /// True when `text` holds 6 or more consecutive characters of the key: cut-off quotes leak too.
    static func leaks(_ text: String) -> Bool {
        let key = Array("sk-\(secret)")
        return (0...(key.count - 6)).contains { text.contains(String(key[$0..<($0 + 6)])) }
    }

    @Test func theKeyPrintsRedacted() {
        let key = Self.key
        #expect(key.description == "<redacted>")
        #expect(key.debugDescription == "<redacted>")
        #expect("\(key)" == "<redacted>")
        #expect(String(reflecting: key) == "<redacted>")
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains(Self.secret))

        let configuration = GatewayClientConfiguration(baseURL: "https://api.cometapi.com", apiKey: key)
        for text in [String(describing: configuration), String(reflecting: configuration)] {
            #expect(!text.contains(Self.secret), "\(text)")
        }
        var dumpedConfiguration = ""
        dump(configuration, to: &dumpedConfiguration)
        #expect(!dumpedConfiguration.contains(Self.secret))
    }

    @Test func theKeyIsTrimmed() async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":[]}"#)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        _ = await gatewayOutcome {
            try await probe.client(gateway.baseURL, key: Self.key).fetch(ids: ["a"], action: .music)
        }
        #expect(gateway.requests.first?.header("authorization") == "Bearer sk-\(Self.secret)")
    }

    @Test func theKeyNeverAppearsInErrorsOrLogs() async throws {
        let echo = "Invalid token sk-\(Self.secret) for \(Self.secret)"
        // Held far longer than the 0.3 s deadline, which must end both attempts even when it fires late
        // on a loaded machine; `stop()` ends the wait.
        let slow = CannedAnswer.json(200, "{}", delay: .seconds(30))
        let gateway = try ScriptedGateway(
            threadPerConnection: true,
            [
                .json(401, #"{"error":{"message":"\#(echo)","type":"comet_api_error"}}"#),
                .json(503, #"{"code":"get_tasks_failed","message":"\#(echo)","data":null}"#),
                .json(503, #"{"code":"get_tasks_failed","message":"\#(echo)","data":null}"#),
                .text(200, "<html>\(echo)</html>", contentType: "text/html"),
                .json(200, #"{"code":"success","message":"","data":"\#(echo)"}"#),
                slow, slow,
            ])
        defer { gateway.stop() }
        let closed = try RefusingPort()
        defer { closed.close() }

        let probe = GatewayProbe()
        let client = probe.client(gateway.baseURL, key: Self.key, timeout: .milliseconds(300), maxAttempts: 2)
        var errors: [UpstreamError] = []
        for _ in 0..<5 {
            if let error = await gatewayOutcome({ try await client.fetch(ids: ["a"], action: .music) }).upstreamFailure
            {
                errors.append(error)
            }
        }
        let refused = probe.client(closed.baseURL, key: Self.key, maxAttempts: 2)
        if let error = await gatewayOutcome({ try await refused.fetch(ids: ["a"], action: .music) }).upstreamFailure {
            errors.append(error)
        }

        #expect(errors.count == 6)
        #expect(errors.first?.httpStatus == 401)
        #expect(errors.contains(.timeout))
        #expect(errors.contains(.transport("cannotConnectToHost")))
        for error in errors {
            for text in [error.description, String(reflecting: error), "\(error)"] {
                #expect(!Self.leaks(text), "leaked: \(text)")
                #expect(!text.contains("\n"), "one line: \(text)")
            }
        }
        #expect(!probe.logs.all.isEmpty)
        for line in probe.logs.all {
            #expect(!Self.leaks(line), "leaked: \(line)")
        }
    }
}

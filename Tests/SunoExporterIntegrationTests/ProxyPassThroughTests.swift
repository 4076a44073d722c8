import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoHTTP
import Testing

/// The proxy against a scripted gateway that records what it receives: requests and answers cross
/// byte for byte, the client's key goes only where the client sent it, and every way a forwarded
/// request can fail gives the client a clear answer.
@Suite struct ProxyPassThroughTests {
    static let clientKey = "sk-client-Qz81mW0pass"
    static let exporterKey = "sk-exporter-Lk5nV2own"

    /// A harness whose exporter forwards to `gateway` (the simulator beside it stays unused).
    static func harness(_ gateway: ScriptedGateway, proxy: ProxySettings = ProxySettings(timeout: 30, maxInFlight: 4))
        throws -> ProxyHarness
    {
        try ProxyHarness(exporterKey: exporterKey, gatewayURL: gateway.baseURL, proxy: proxy)
    }

    @Test func theRequestReachesTheGatewayAsTheClientSentIt() async throws {
        let gateway = try ScriptedGateway([.json(200, #"{"code":"success","message":"","data":"task_a1"}"#)])
        defer { gateway.stop() }
        let harness = try Self.harness(gateway)
        defer { harness.stop() }
        // Not UTF-8, a NUL, a CRLF: none of it may be touched on the way.
        let body: [UInt8] = Array(#"{"mv":"chirp-v4","prompt":"a\u0000b"}"#.utf8) + [0xFF, 0x00, 0x0D, 0x0A, 0x20]
        let reply = try await TestHTTP.send(
            "POST", harness.baseURL + "/suno/submit/music", body: Data(body),
            contentType: "application/json; charset=utf-8",
            headers: [
                "Authorization": "Bearer \(Self.clientKey)", "X-Internal-Secret": "not-for-the-gateway",
                "Accept-Encoding": "gzip", "User-Agent": "client/1.0", "Cookie": "session=1",
            ])
        #expect(reply.status == 200)
        let seen = try #require(gateway.requests.first)
        #expect(seen.method == "POST")
        #expect(seen.path == "/suno/submit/music")
        #expect(seen.body == body)
        #expect(seen.header("authorization") == "Bearer \(Self.clientKey)")
        #expect(seen.headers.filter { $0.name == "authorization" }.count == 1)
        #expect(seen.header("content-type") == "application/json; charset=utf-8")
        #expect(seen.header("user-agent") == "client/1.0")
        #expect(seen.header("x-internal-secret") == nil)
        #expect(seen.header("cookie") == nil)
        // A submit answer must stay readable (the proxy reads the task id): no compression asked.
        #expect(seen.header("accept-encoding") == nil)
        #expect(seen.header("expect") == nil)
        #expect(!seen.headers.contains { $0.value.contains("Lk5nV2own") })
        // The task is registered with the request's model, and the key is kept nowhere.
        #expect(try harness.store.task(id: "task_a1")?.registeredModel == "chirp-v4")
        #expect(!harness.storeFiles().contains(text: "Qz81mW0pass"))
        #expect(!harness.logs.all.contains { $0.contains("Qz81mW0pass") })
    }

    @Test func withoutAKeyTheGatewayGetsNone() async throws {
        let gateway = try ScriptedGateway([
            .json(401, #"{"error":{"message":"Invalid token","type":"comet_api_error"}}"#)
        ])
        defer { gateway.stop() }
        let harness = try Self.harness(gateway)
        defer { harness.stop() }
        // A raw request: URLSession would add an Accept and a form content type of its own.
        let connection = try RawHTTPConnection(port: harness.port)
        defer { connection.close() }
        let reply = try await connection.send("POST", "/suno/submit/lyrics", body: Array("{}".utf8))
        #expect(reply.status == 401)
        let seen = try #require(gateway.requests.first)
        #expect(seen.header("authorization") == nil)
        // Nothing libcurl would add on its own: no form content type, no Accept of its own.
        #expect(seen.header("content-type") == nil)
        #expect(seen.header("accept") == nil)
    }

    /// A compressed fetch answer reaches the client compressed, with the gateway's headers.
    @Test func theAnswerReachesTheClientByteForByte() async throws {
        let json = Array(#"{"code":"success","message":"","data":[]}"#.utf8)
        let gzipped = Gzip.compress(json)
        let gateway = try ScriptedGateway([
            CannedAnswer(
                status: 200,
                headers: [
                    ("Content-Type", "application/json; charset=utf-8"), ("Content-Encoding", "gzip"),
                    ("X-Oneapi-Request-Id", "20261204151619305685758UfmHieym"), ("Vary", "Accept-Encoding"),
                ], body: gzipped, delay: nil),
            CannedAnswer(
                status: 429, headers: [("Retry-After", "7"), ("Content-Type", "text/plain")], body: [], delay: nil),
        ])
        defer { gateway.stop() }
        let harness = try Self.harness(gateway)
        defer { harness.stop() }
        let connection = try RawHTTPConnection(port: harness.port)
        defer { connection.close() }
        let reply = try await connection.send(
            "POST", "/suno/fetch", headers: [("Accept-Encoding", "gzip"), ("Content-Type", "application/json")],
            body: Array(#"{"ids":["a"],"action":"MUSIC"}"#.utf8))
        #expect(reply.status == 200)
        #expect(reply.body == gzipped)
        #expect(reply.header("content-encoding") == "gzip")
        #expect(reply.header("content-type") == "application/json; charset=utf-8")
        #expect(reply.header("x-oneapi-request-id") == "20261204151619305685758UfmHieym")
        #expect(reply.header("vary") == "Accept-Encoding")
        #expect(reply.headers.filter { $0.name == "content-length" }.map(\.value) == ["\(gzipped.count)"])
        #expect(reply.headers.filter { $0.name == "date" }.count == 1)
        #expect(gateway.requests.first?.header("accept-encoding") == "gzip")

        let limited = try await connection.send("POST", "/suno/fetch", body: Array("{}".utf8))
        #expect(limited.status == 429)
        #expect(limited.body.isEmpty)
        #expect(limited.header("retry-after") == "7")
    }

    /// A task the watch list cannot take must not cost the client its answer; the id is logged.
    @Test func aFailedRegistrationStillAnswersAndIsCountedAndLogged() async throws {
        let badID = #"{"code":"success","message":"","data":"bad id\u0007"}"#
        let gateway = try ScriptedGateway([
            .json(200, badID), .json(200, #"{"code":"success","message":"","data":null}"#),
            .json(200, #"{"code":"invalid_request","message":"prompt_empty","data":null}"#),
        ])
        defer { gateway.stop() }
        let harness = try Self.harness(gateway)
        defer { harness.stop() }
        let first = try await harness.submit(json: "{}", key: Self.clientKey)
        #expect(first.status == 200)
        #expect(first.text == badID)
        let warning = try #require(harness.logs.all.first { $0.contains("add it by hand") })
        #expect(warning.hasPrefix("level=warning"))
        #expect(warning.contains(#"task.id=bad id\u{7}"#))
        #expect(warning.contains("task.action=MUSIC"))
        // A success whose data is not an id: counted too, nothing registered.
        #expect(try await harness.submit(json: "{}").status == 200)
        // A refusal in a 2xx envelope is the gateway's error, not a failed registration.
        #expect(try await harness.submit(json: "{}").status == 200)
        #expect(try harness.store.counts().tasks == 0)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_proxy_registration_failures_total") == 2)
        #expect(metrics.sum("suno_proxy_requests_total", ["code": "200", "endpoint": "submit_music"]) == 3)
    }

    @Test func aSlowGatewayTimesOut() async throws {
        let gateway = try ScriptedGateway(
            threadPerConnection: true, [.json(200, #"{"code":"success","data":"late"}"#, delay: .seconds(120))])
        defer { gateway.stop() }
        let harness = try Self.harness(gateway, proxy: ProxySettings(timeout: 1, maxInFlight: 4))
        defer { harness.stop() }
        let reply = try await harness.submit(json: "{}", timeout: 60)
        #expect(reply.status == 504)
        let error = try #require(try reply.object()["error"] as? [String: Any])
        #expect(error["code"] as? String == "gateway_timeout")
        #expect(try harness.store.counts().tasks == 0)
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_proxy_requests_total", ["code": "timeout"]) == 1)
        #expect(metrics.sum("suno_proxy_request_duration_seconds_count", ["endpoint": "submit_music"]) == 1)
    }

    @Test func anAnswerOverTheLimitIsRefused() async throws {
        let gateway = try ScriptedGateway([.text(200, String(repeating: "x", count: 4_096))])
        defer { gateway.stop() }
        let harness = try Self.harness(
            gateway, proxy: ProxySettings(timeout: 30, maxInFlight: 4, maxAnswerBytes: 1_024))
        defer { harness.stop() }
        let reply = try await TestHTTP.send("POST", harness.baseURL + "/suno/fetch", text: "{}")
        #expect(reply.status == 502)
        #expect(reply.text.contains("gateway_answer_too_large"))
        #expect(try await harness.scrape().sum("suno_proxy_requests_total", ["code": "too_large"]) == 1)
    }

    @Test func anUnreachableGatewayIsABadGateway() async throws {
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let harness = try ProxyHarness(gatewayURL: refusing.baseURL)
        defer { harness.stop() }
        let reply = try await harness.submit(json: "{}")
        #expect(reply.status == 502)
        #expect(reply.text.contains("gateway_unreachable"))
        #expect(reply.text.contains("cannotConnectToHost"))
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_proxy_requests_total", ["code": "transport", "endpoint": "submit_music"]) == 1)
        // No answer, no latency to report.
        #expect(metrics.sum("suno_proxy_request_duration_seconds_count") == 0)
    }
}

import Foundation
import SunoExporterApp
import SunoSimulator
import Testing

/// Proxied submits block a connection thread each for as long as the gateway takes: scrapes must
/// still be answered at once, on a connection Prometheus kept open as much as on a new one, and
/// requests beyond the in-flight limit are refused at once instead of queueing.
@Suite struct ProxyConcurrencyTests {
    @Test func scrapesAreAnsweredWhileSubmitsWaitForASlowGateway() async throws {
        let harness = try ProxyHarness(proxy: ProxySettings(timeout: 300, maxInFlight: 4))
        defer { harness.stop() }
        // Opened before the submits, as Prometheus keeps its connection between scrapes.
        let kept = try RawHTTPConnection(port: harness.port)
        defer { kept.close() }
        #expect(try await kept.send("GET", "/metrics").status == 200)

        harness.simulator.setFault(.slow(seconds: 600), forNextRequests: 4)
        let submitURL = harness.baseURL + "/suno/submit/music"
        let submits = (0..<4).map { index in
            Task {
                try? await TestHTTP.send(
                    "POST", submitURL, text: #"{"gpt_description_prompt":"slow \#(index)"}"#, timeout: 300)
            }
        }
        // All four are held inside the gateway now.
        #expect(await eventually(within: 60) { harness.simulator.stats.count(.submitMusic) == 4 })

        let clock = ContinuousClock()
        let refusedAt = clock.now
        let refused = try await harness.submit(json: #"{"gpt_description_prompt":"one too many"}"#, timeout: 60)
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        #expect(clock.now - refusedAt < .seconds(30))
        #expect(harness.simulator.stats.count(.submitMusic) == 4)

        for _ in 0..<3 {
            let started = clock.now
            let reply = try await kept.send("GET", "/metrics")
            #expect(reply.status == 200)
            #expect(clock.now - started < .seconds(30), "a kept-alive scrape waited for the slow submits")
        }
        let started = clock.now
        let fresh = try await TestHTTP.send("GET", harness.baseURL + "/metrics", timeout: 60)
        #expect(fresh.status == 200)
        #expect(clock.now - started < .seconds(30))
        let metrics = try await harness.scrape()
        #expect(metrics.sum("suno_proxy_requests_total", ["code": "busy", "endpoint": "submit_music"]) == 1)

        // Stopping the gateway ends its slow answers; the held submits then finish one way or another.
        harness.simulator.stop()
        for submit in submits { _ = await submit.value }
    }
}

import Foundation
import SunoTestSupport
import Testing

/// A real Prometheus (Debian's package) scrapes the real exporter binary in demo mode, with the
/// alert rules of deploy/prometheus loaded: the series arrive, the rules evaluate, promtool lints the live page.
@Suite(.serialized)
struct PrometheusEndToEndTests {
    @Test func prometheusScrapesTheDemoAndLoadsTheRules() async throws {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        guard let prometheus = Repository.which("prometheus"), let promtool = Repository.which("promtool") else {
            Issue.record("prometheus/promtool are not installed: run `make deps`")
            return
        }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let exporterPort = freePort()
        let exporter = try ChildProcess(
            binary,
            [
                "serve", "--demo", "--web.listen-address", "127.0.0.1:\(exporterPort)", "--storage.path",
                scratch.path("demo.db"),
                "--collector.interval", "1s",
            ], log: scratch.url.appendingPathComponent("exporter.log"))
        defer { exporter.terminate() }

        let rules = Repository.root.appendingPathComponent("deploy/prometheus/alerts.yml").path
        // Prometheus caps a scrape's timeout at its interval: 5 s leaves a loaded machine time to answer,
        // so no scrape fails (and no series goes stale) just because the debug binary was slow.
        let config = """
            global:
              scrape_interval: 5s
              scrape_timeout: 5s
              evaluation_interval: 1s
            rule_files:
              - \(rules)
            scrape_configs:
              - job_name: suno-exporter
                static_configs:
                  - targets: ['127.0.0.1:\(exporterPort)']
            """
        try config.write(toFile: scratch.path("prometheus.yml"), atomically: true, encoding: .utf8)
        let check = try await runProcess(promtool, ["check", "config", scratch.path("prometheus.yml")])
        #expect(check.status == 0, "promtool check config: \(check.stdout) \(check.stderr)")
        let prometheusPort = freePort()
        let server = try ChildProcess(
            prometheus,
            [
                "--config.file=\(scratch.path("prometheus.yml"))", "--storage.tsdb.path=\(scratch.path("promdata"))",
                "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn",
            ], log: scratch.url.appendingPathComponent("prometheus.log"))
        defer { server.terminate() }
        let api = "http://127.0.0.1:\(prometheusPort)/api/v1"

        func query(_ promql: String) async -> Double? {
            let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
            guard let reply = try? await TestHTTP.send("GET", "\(api)/query?query=\(encoded)"), reply.status == 200,
                let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any],
                let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]],
                let value = result.first?["value"] as? [Any], let text = value.last as? String
            else { return nil }
            return Double(text)
        }

        let up = await eventually(within: 90) { await query("up{job=\"suno-exporter\"}") == 1 }
        #expect(up, "prometheus log:\n\(server.log.suffix(1_500))\nexporter log:\n\(exporter.log.suffix(1_500))")
        let live = await eventually(within: 90) {
            let finished = await query("sum(suno_tasks_finished_total)") ?? 0
            let queued = await query("sum(suno_tasks)") ?? 0
            return finished > 0 && queued > 0
        }
        #expect(live, "finished and queued tasks must reach Prometheus within the demo's first minute")
        let models = await query("count(count by (model) (suno_tasks_finished_total{action=\"MUSIC\"} > 0))") ?? 0
        #expect(models >= 2, "finished tasks across several models")
        let upstreamUp = await query("suno_upstream_up")
        #expect(upstreamUp == 1)
        let observed = await query("sum(suno_task_duration_seconds_count) - sum(suno_tasks_finished_total)")
        #expect(observed == 0, "every finish observed exactly once in the duration histogram")

        // The rules of deploy/prometheus are loaded and evaluate without errors against live series.
        let rulesLoaded = await eventually(within: 60) {
            guard let reply = try? await TestHTTP.send("GET", "\(api)/rules"),
                let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any],
                let groups = (object["data"] as? [String: Any])?["groups"] as? [[String: Any]]
            else { return false }
            let ruleList = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
            return !ruleList.isEmpty && ruleList.allSatisfy { ($0["health"] as? String) == "ok" }
        }
        #expect(rulesLoaded)

        // The target page reports a clean scrape, and promtool lints what was served.
        let targets = try await TestHTTP.send("GET", "\(api)/targets").text
        #expect(targets.contains("\"lastError\":\"\""))
        let page = try await TestHTTP.send("GET", "http://127.0.0.1:\(exporterPort)/metrics").body
        try page.write(to: scratch.url.appendingPathComponent("live.prom"))
        let lint = try await runProcess(
            "/bin/sh", ["-c", "\(promtool) check metrics < '\(scratch.path("live.prom"))'"])
        #expect(
            lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "promtool: \(lint.stdout) \(lint.stderr)")
        #expect(exporter.terminate() == 0)
    }
}

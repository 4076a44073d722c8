import Foundation
import Testing

/// `serve --proxy` and `--cometapi.quota-*` as the built binary sees them: bad values refused with
/// one clear line (never quoting a key), and `--demo` showing spend move.
@Suite struct ProxyQuotaCommandLineTests {
    static func binary() throws -> String {
        try #require(Repository.exporterBinary, "suno-exporter binary not found (run `swift build` first)")
    }

    @Test(arguments: [
        (["--proxy", "--proxy.max-in-flight", "0"], "--proxy.max-in-flight must be at least 1"),
        (["--proxy.max-in-flight", "4096"], "below --web.max-connections (4096)"),
        (["--proxy", "--proxy.timeout", "0s"], "--proxy.timeout must be at least 1s"),
        (["--cometapi.quota-interval", "1s"], "--cometapi.quota-interval must be at least 10s"),
        (["--cometapi.quota-url", "https://query.example/user/quota?key=sk-flag-Leak42x"], "must not hold a key"),
        (["--cometapi.quota-url", "query.example/user/quota"], "must start with http:// or https://"),
    ])
    func badValuesAreRefused(_ arguments: [String], _ expected: String) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let run = try await runProcess(
            try Self.binary(), ["serve", "--storage.path", scratch.path("x.db")] + arguments, timeout: 60)
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains("Leak42x"))
    }

    @Test func aMissingQuotaKeyFileIsAClearError() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let run = try await runProcess(
            try Self.binary(),
            [
                "serve", "--storage.path", scratch.path("x.db"), "--cometapi.quota-key-file", scratch.path("none"),
                "--web.listen-address", "127.0.0.1:\(freePort())",
            ], timeout: 60)
        #expect(run.status != 0)
        #expect(run.stderr.contains("--cometapi.quota-key-file: cannot read key file"), "\(run.stderr)")
    }

    /// `make demo` with the proxy: the simulator's account pays for the workload, so the spend moves
    /// between quota polls; a task submitted through the proxy is watched like the demo's own.
    @Test func theDemoShowsSpendMovingAndProxiesSubmits() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let port = freePort()
        let child = try ChildProcess(
            try Self.binary(),
            [
                "serve", "--demo", "--proxy", "--web.listen-address", "127.0.0.1:\(port)", "--storage.path",
                scratch.path("demo.db"), "--cometapi.quota-interval", "10s", "--collector.interval", "1s",
            ], log: scratch.url.appendingPathComponent("demo.log"))
        defer { child.kill() }
        let base = "http://127.0.0.1:\(port)"
        let spent = Recorder<Double>()
        let moved = await eventually(within: 120) {
            guard let reply = try? await TestHTTP.send("GET", base + "/metrics", timeout: 10), reply.status == 200
            else { return false }
            let metrics = ExpositionSamples(reply.text)
            guard metrics.sum("suno_account_quota_up") == 1, metrics.has("suno_account_used_usd") else { return false }
            spent.append(metrics.sum("suno_account_used_usd"))
            return Set(spent.values).count >= 2
        }
        #expect(moved, "suno_account_used_usd never changed: \(Set(spent.values)); log: \(child.log)")

        let submitted = try await TestHTTP.send(
            "POST", base + "/suno/submit/music", text: #"{"gpt_description_prompt":"demo","mv":"chirp-v4"}"#)
        #expect(submitted.status == 200)
        let id = try #require(try submitted.object()["data"] as? String)
        let shown = try await TestHTTP.send("GET", base + "/api/v1/tasks/" + id)
        #expect(shown.status == 200)
        #expect(try shown.object()["model"] as? String == "chirp-v4")
        #expect(child.terminate() == 0)
    }
}

import Foundation
import SunoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGKILL the exporter again and again while it polls: no registered task is lost, no finish is
/// lost, nothing is counted twice. Runs the real binaries (simulator and exporter) as child processes.
@Suite(.serialized)
struct CrashRecoveryTests {
    @Test func sigkillLosesNothingAndCountsNothingTwice() async throws {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let gatewayPort = freePort()
        let gateway = try ChildProcess(
            binary, ["simulate", "--listen", "127.0.0.1:\(gatewayPort)", "--time-scale", "0.02", "--seed", "5"],
            log: scratch.url.appendingPathComponent("simulator.log"))
        defer { gateway.terminate() }
        let gatewayURL = "http://127.0.0.1:\(gatewayPort)"
        #expect(
            await eventually(within: 60) {
                (try? await TestHTTP.send("POST", gatewayURL + "/suno/fetch", json: ["ids": []]))?.status == 200
            })

        // Submit tasks to the gateway, as users would, and keep their ids.
        var music: [String] = []
        var lyrics: [String] = []
        for index in 0..<40 {
            let isLyrics = index % 5 == 0
            let submitted = try await TestHTTP.send(
                "POST", gatewayURL + (isLyrics ? "/suno/submit/lyrics" : "/suno/submit/music"),
                json: isLyrics
                    ? ["prompt": "song \(index)"]
                    : ["gpt_description_prompt": "song \(index)", "mv": ["chirp-v4", "chirp-crow"][index % 2]])
            #expect(submitted.status == 200)
            let id = try #require(
                (try JSONSerialization.jsonObject(with: submitted.body) as? [String: Any])?["data"] as? String)
            if isLyrics { lyrics.append(id) } else { music.append(id) }
        }

        let database = scratch.path("exporter.db")
        let metricsPort = freePort()
        let serveArguments = [
            "serve", "--cometapi.base-url", gatewayURL, "--storage.path", database,
            "--web.listen-address", "127.0.0.1:\(metricsPort)", "--collector.interval", "200ms",
            "--collector.batch-size", "7", "--task.give-up-after", "20s", "--task.missing-grace", "30s", "--log.level",
            "warn",
        ]
        let log = scratch.url.appendingPathComponent("exporter.log")
        var exporter = try ChildProcess(binary, serveArguments, log: log)
        // The server answers only once its store is open and migrated: a CLI opening the fresh file at the
        // same moment would race it through the first migration (SunoStore reads the schema version
        // outside the migration's transaction), which is not what this test is about.
        let healthy = await eventually(within: 60) {
            (try? await TestHTTP.send("GET", "http://127.0.0.1:\(metricsPort)/-/healthy"))?.status == 200
        }
        #expect(healthy, "exporter log:\n\(exporter.log.suffix(2_000))")

        // Register ids through the CLI on the same database while the server runs (WAL + busy timeout).
        let addMusic = try await runProcess(
            binary, ["tasks", "add", "--storage.path", database, "--action", "MUSIC"] + music)
        #expect(addMusic.status == 0, "\(addMusic.stderr)")
        let addLyrics = try await runProcess(
            binary, ["tasks", "add", "--storage.path", database, "--action", "LYRICS"] + lyrics)
        #expect(addLyrics.status == 0, "\(addLyrics.stderr)")

        // Kill it mid-work several times; each restart continues from SQLite.
        for round in 0..<6 {
            try await Task.sleep(for: .milliseconds(300 + 170 * round))
            exporter.kill()
            exporter = try ChildProcess(binary, serveArguments, log: log)
        }

        let metricsURL = "http://127.0.0.1:\(metricsPort)/metrics"
        func scrape() async -> ExpositionSamples? {
            guard let reply = try? await TestHTTP.send("GET", metricsURL), reply.status == 200 else { return nil }
            return ExpositionSamples(reply.text)
        }
        // Wait until nothing is left in the queue (every task ended or expired).
        let drained = await eventually(within: 120) {
            guard let metrics = await scrape() else { return false }
            return metrics.sum("suno_tasks_finished_total") == 40 && metrics.sum("suno_tasks") == 0
        }
        #expect(drained, "exporter log:\n\(exporter.log.suffix(2_000))")
        let metrics = try #require(await scrape())
        #expect(exporter.terminate() == 0, "graceful stop after SIGTERM")

        // Ground truth from the gateway itself.
        let body = try await TestHTTP.send(
            "POST", gatewayURL + "/suno/fetch", json: ["ids": music + lyrics, "action": "MUSIC"]
        ).body
        let items = try #require(
            (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [[String: Any]])
        #expect(items.count == 40)
        var success = 0
        var failure = 0
        var successSeconds = 0
        for item in items {
            let status = item["status"] as? String ?? ""
            let frozen = (item["progress"] as? String) == "100%" && !((item["fail_reason"] as? String) ?? "").isEmpty
            if status == "SUCCESS" {
                success += 1
                successSeconds += ((item["finish_time"] as? Int) ?? 0) - ((item["submit_time"] as? Int) ?? 0)
            } else if status == "FAILURE" || frozen {
                failure += 1
            }
        }
        #expect(metrics.sum("suno_tasks_registered_total", ["source": "cli"]) == 40)
        #expect(metrics.sum("suno_tasks_finished_total") == 40, "every task finished exactly once")
        #expect(metrics.sum("suno_tasks_finished_total", ["outcome": "success"]) == Double(success))
        #expect(metrics.sum("suno_tasks_finished_total", ["outcome": "failure"]) == Double(failure))
        #expect(metrics.sum("suno_tasks_finished_total", ["outcome": "expired"]) == Double(40 - success - failure))
        #expect(metrics.sum("suno_task_duration_seconds_sum", ["outcome": "success"]) == Double(successSeconds))
        #expect(metrics.sum("suno_task_duration_seconds_count") == 40)
        let listed = try await runProcess(binary, ["tasks", "list", "--storage.path", database, "--limit", "1000"])
        #expect(listed.stdout.split(separator: "\n").count == 41, "header plus 40 tasks")
    }
}

import Foundation
import SunoSimulator
import SunoStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The disk fills up while the real binary serves: here its files may grow no further than 1 MiB
/// (`ulimit -f`, SIGXFSZ ignored so a write fails instead of killing the process), later lifted
/// with `prlimit` as freeing space would. Registrations that cannot commit answer 503, never 202;
/// scrapes keep being answered; `/-/ready` says why it is not ready; the failure is logged once;
/// and the exporter recovers by itself, with every acknowledged registration in the file.
@Suite(.serialized)
struct BrokenStorageRuntimeTests {
    @Test func aDiskThatFillsWhileServing() async throws {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        let prlimit = try #require(Repository.which("prlimit"), "prlimit (util-linux) is needed")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let simulator = SunoSimulator(configuration: SimulatorConfiguration(timeScale: 0.01), logger: quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        let database = scratch.path("exporter.db")
        let port = freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["COMETAPI_KEY"] = "sk-broken-storage-test"
        let exporter = try ChildProcess(
            "/bin/sh",
            [
                "-c", "trap '' XFSZ; ulimit -S -f 2048; exec \"$0\" \"$@\"", binary, "serve", "--storage.path",
                database, "--web.listen-address", "127.0.0.1:\(port)", "--cometapi.base-url", simulator.baseURL,
                "--collector.interval", "200ms", "--log.level", "info",
            ],
            log: scratch.url.appendingPathComponent("exporter.log"), environment: environment)
        defer { exporter.terminate() }
        let base = "http://127.0.0.1:\(port)"
        func status(_ path: String) async -> Int? { (try? await TestHTTP.send("GET", base + path))?.status }
        #expect(await eventually(within: 60) { await status("/-/ready") == 200 }, "\(exporter.log.suffix(2_000))")

        // Register until the files may grow no further.
        var acknowledged: [String] = []
        var refused: HTTPReply?
        for round in 0..<2_000 {
            let ids = (0..<50).map { "fill-\(round)-\($0)-" + String(repeating: "a", count: 60) }
            let reply = try await TestHTTP.send("POST", base + "/api/v1/tasks", json: ["ids": ids])
            guard reply.status == 202 else {
                refused = reply
                break
            }
            acknowledged += ids
        }
        let refusal = try #require(refused, "the store never filled up")
        #expect(refusal.status == 503)
        #expect(refusal.header("Retry-After") != nil)
        #expect(refusal.errorMessage?.contains("disk full") == true, "\(refusal.text)")

        // While writes fail: not ready (and why), scrapes answered with the failures counted.
        #expect(await eventually(within: 30) { await status("/-/ready") == 503 })
        let ready = try await TestHTTP.send("GET", base + "/-/ready")
        #expect(ready.text.contains("store writes failing (") && ready.text.contains("disk full"), "\(ready.text)")
        #expect(
            await eventually(within: 30) {
                guard let reply = try? await TestHTTP.send("GET", base + "/metrics"), reply.status == 200 else {
                    return false
                }
                let samples = ExpositionSamples(reply.text)
                return samples.sum("suno_store_errors_total", ["op": "register"]) >= 1
                    && samples.sum("suno_store_errors_total", ["op": "probe"]) >= 2
            })
        let again = try await TestHTTP.send("POST", base + "/api/v1/tasks", json: ["ids": ["after-full-1"]])
        #expect(again.status == 503)
        #expect(exporter.log.components(separatedBy: "msg=\"store writes failing\"").count - 1 == 1, "\(exporter.log)")

        // Space comes back: the exporter notices by itself.
        let lifted = try await runProcess(
            prlimit, ["--pid", "\(exporter.process.processIdentifier)", "--fsize=unlimited:unlimited"])
        #expect(lifted.status == 0, "\(lifted.stderr)")
        #expect(await eventually(within: 30) { await status("/-/ready") == 200 }, "\(exporter.log.suffix(2_000))")
        let later = ["after-space-1", "after-space-2"]
        #expect(try await TestHTTP.send("POST", base + "/api/v1/tasks", json: ["ids": later]).status == 202)
        acknowledged += later
        let log = exporter.log
        #expect(log.components(separatedBy: "msg=\"store writes failing\"").count - 1 == 1, "\(log)")
        #expect(log.components(separatedBy: "msg=\"store writes work again\"").count - 1 == 1, "\(log)")

        // Every acknowledged registration is in the file; the refused ones are not.
        #expect(exporter.terminate() == 0)
        let store = try TaskStore(path: database, upgrading: false)
        #expect(try store.tasks(ids: acknowledged).count == acknowledged.count)
        #expect(try store.task(id: "after-full-1") == nil)
    }
}

import Foundation
import SunoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The gateway key, made recognisable, through the whole built binary: serving against a simulator that
/// wants it, with a wrong key (401), with the gateway down, against a gateway that echoes it into error
/// messages and task texts, at debug level in both log formats, the `tasks` CLI, `simulate`, bad key
/// files and a crash. It must appear in no log line, metric, page, API answer, error body, database
/// byte or crash report. (The proxy path is covered with the proxy.)
@Suite(.serialized) struct KeyHygieneTests {
    static let key = "sk-Hyg13neQ7vX2mZ9pL4tR8wB6yC1nF5kD"
    static let wrongKey = "sk-Wr0ngKeyT8pQ3vN6mZ1xL5cB9dF2hJ4"

    /// Every artifact a run left, by where it came from.
    final class Artifacts {
        var texts: [(source: String, text: String)] = []
        var files: [String] = []

        func add(_ source: String, _ text: String) { texts.append((source, text)) }
        func add(_ source: String, _ reply: HTTPReply) { texts.append((source, reply.text)) }

        /// Every place one of the keys shows, in full or as a run of 6 or more of its characters.
        func leaks() -> [String] {
            var found: [String] = []
            for (source, text) in texts where KeyHygieneTests.leaks(Array(text.utf8)) { found.append(source) }
            for path in files {
                if let bytes = FileManager.default.contents(atPath: path), KeyHygieneTests.leaks(Array(bytes)) {
                    found.append(path)
                }
            }
            return found
        }
    }

    /// Every 6-byte run of either key, packed into an integer.
    static let windows: Set<UInt64> = {
        var set = Set<UInt64>()
        for key in [key, wrongKey] {
            let bytes = Array(key.utf8)
            for start in 0...(bytes.count - 6) { set.insert(pack(bytes[start..<(start + 6)])) }
        }
        return set
    }()

    static func pack(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// True when `bytes` hold 6 or more consecutive characters of either key (one pass, rolling window).
    static func leaks(_ bytes: [UInt8]) -> Bool {
        var window: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            window = (window << 8 | UInt64(byte)) & 0xFFFF_FFFF_FFFF
            if index >= 5, windows.contains(window) { return true }
        }
        return false
    }

    @Test func theLeakCheckFindsAFragment() {
        #expect(Self.leaks(Array("... token ***3neQ7vX2m*** ...".utf8)))
        #expect(!Self.leaks(Array("sk-*** <redacted> Hyg13 ".utf8)))
    }

    @Test func theKeyAppearsNowhereWhateverHappens() async throws {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keyFile = scratch.path("key")
        try "\(Self.key)\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let artifacts = Artifacts()
        var children: [(String, ChildProcess)] = []
        defer { children.forEach { $0.1.kill() } }

        // The simulator wants the key; its own debug log must not show what it was sent.
        let simulatorPort = freePort()
        let simulator = try ChildProcess(
            binary,
            [
                "simulate", "--listen", "127.0.0.1:\(simulatorPort)", "--api-key-file", keyFile, "--time-scale",
                "0.02", "--log.level", "debug",
            ], log: scratch.url.appendingPathComponent("simulator.log"))
        children.append(("simulator", simulator))
        let gateway = "http://127.0.0.1:\(simulatorPort)"
        let bearer = ["Authorization": "Bearer \(Self.key)"]
        #expect(
            await eventually(within: 60) {
                (try? await TestHTTP.send("POST", gateway + "/suno/fetch", json: ["ids": []], headers: bearer))?
                    .status == 200
            })
        var ids: [String] = []
        for index in 0..<6 {
            let submitted = try await TestHTTP.send(
                "POST", gateway + "/suno/submit/music",
                json: ["gpt_description_prompt": "song \(index)", "mv": "chirp-v4"], headers: bearer)
            let id = try #require(try submitted.object()["data"] as? String)
            ids.append(id)
        }
        artifacts.add(
            "simulator 401",
            try await TestHTTP.send(
                "POST", gateway + "/suno/fetch", json: ["ids": ids],
                headers: ["Authorization": "Bearer \(Self.wrongKey)"]))

        // A: the right key from a file, debug, JSON lines.
        let a = try await Self.serve(
            binary, scratch, "a", gateway: gateway, keyFile: keyFile, extra: ["--log.format", "json"], ids: ids)
        children.append(("a", a.process))
        #expect(await Self.calls(a.base, code: "200", atLeast: 3), "\(a.process.log.suffix(1_500))")
        try await Self.collectPages(a.base, id: ids[0], into: artifacts, "a")

        // B: a wrong key from the environment: the gateway answers 401.
        let b = try await Self.serve(
            binary, scratch, "b", gateway: gateway, environment: ["COMETAPI_KEY": Self.wrongKey], ids: ids)
        children.append(("b", b.process))
        #expect(await Self.calls(b.base, code: "401", atLeast: 2), "\(b.process.log.suffix(1_500))")
        try await Self.collectPages(b.base, id: ids[0], into: artifacts, "b")

        // C: the gateway is down.
        let closed = try RefusingPort()
        defer { closed.close() }
        let c = try await Self.serve(
            binary, scratch, "c", gateway: closed.baseURL, environment: ["COMETAPI_KEY": Self.key], ids: ids)
        children.append(("c", c.process))
        #expect(await Self.calls(c.base, code: "transport", atLeast: 2), "\(c.process.log.suffix(1_500))")
        try await Self.collectPages(c.base, id: ids[0], into: artifacts, "c")

        // D: a gateway that echoes the key into its errors and into task texts, and a hook that does too.
        let echo = try ScriptedGateway(Self.echoingAnswers(ids: ids))
        defer { echo.stop() }
        let d = try await Self.serve(binary, scratch, "d", gateway: echo.baseURL, keyFile: keyFile, ids: ids)
        children.append(("d", d.process))
        #expect(await Self.calls(d.base, code: "200", atLeast: 2), "\(d.process.log.suffix(1_500))")
        let hook = try await TestHTTP.send(
            "POST", d.base + "/api/v1/hooks/suno",
            json: [
                "task_id": ids[1], "action": "MUSIC", "status": "FAILURE", "progress": "100%",
                "fail_reason": "quota of \(Self.key) used up", "submit_time": 1_800_000_000,
            ])
        #expect(hook.status == 202, "\(hook.text)")
        try await Self.collectPages(d.base, id: ids[1], into: artifacts, "d")
        let failed = try await TestHTTP.send("GET", d.base + "/api/v1/tasks/" + ids[1]).object()
        #expect((failed["fail_reason"] as? String)?.contains("<redacted>") == true, "\(failed)")

        // The tasks CLI on A's database, with the key in its environment.
        let database = scratch.path("a.db")
        for arguments in [
            ["tasks", "add", "--storage.path", database, "cli-1"], ["tasks", "list", "--storage.path", database],
            ["tasks", "show", "--storage.path", database, ids[0]],
            ["tasks", "forget", "--storage.path", database, "cli-1"],
            ["tasks", "show", "--storage.path", database, "no-such-id"],
        ] {
            let run = try await runProcess(binary, arguments, environment: ["COMETAPI_KEY": Self.key])
            artifacts.add("cli \(arguments[1])", run.stdout + run.stderr)
        }
        // Key files that cannot be used: the error names the file, never its content.
        for (name, content) in [("blank", "\n\(Self.key)\n"), ("tab", "\(Self.key)\tx\n")] {
            let path = scratch.path("key-\(name)")
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try await runProcess(
                binary, ["serve", "--cometapi.key-file", path, "--storage.path", scratch.path("bad.db")], timeout: 30)
            #expect(run.status != 0)
            artifacts.add("bad key file \(name)", run.stdout + run.stderr)
        }

        // A crash while A polls: the report lists threads, not memory. (A SIGSEGV sent from outside does
        // not fault again once the backtracer returns, so the process is killed after its report.)
        Glibc.kill(a.process.process.processIdentifier, SIGSEGV)
        let reported = await eventually(within: 60) { a.process.log.contains("Backtrace took") }
        a.process.kill()
        #expect(reported, "no crash report: \(a.process.log.suffix(1_000))")
        #expect(a.process.log.contains("crashed"))
        #expect(!a.process.log.contains("Registers:"), "\(a.process.log.suffix(3_000))")

        for (name, child) in children where name != "a" { child.terminate() }
        for (name, child) in children { artifacts.add("\(name) log", child.log) }
        for name in ["a", "b", "c", "d"] {
            artifacts.files += ["\(name).db", "\(name).db-wal", "\(name).db-shm"].map { scratch.path($0) }
        }
        #expect(artifacts.texts.count > 40)
        #expect(artifacts.leaks().isEmpty, "the key leaked into: \(artifacts.leaks())")
    }

    /// Answers that quote the key: a 401 error, then batches whose task texts carry it.
    static func echoingAnswers(ids: [String]) -> [CannedAnswer] {
        let unauthorized = CannedAnswer.json(
            401, #"{"error":{"message":"Incorrect API key provided: \#(key)","type":"comet_api_error"}}"#)
        let items = ids.map { id in
            #"{"task_id":"\#(id)","action":"MUSIC","status":"IN_PROGRESS \#(key)","progress":"\#(key)","#
                + #""fail_reason":"upstream said \#(key)","submit_time":1800000000,"data":[{"id":"c","#
                + #""status":"queued","model_name":"chirp-\#(key)"}]}"#
        }
        let batch = CannedAnswer.json(200, #"{"code":"success","data":[\#(items.joined(separator: ","))]}"#)
        return [unauthorized] + Array(repeating: batch, count: 40)
    }

    /// Starts `serve` polling `gateway` every 200 ms at debug level, registers `ids`, and returns it.
    static func serve(
        _ binary: String, _ scratch: ScratchDirectory, _ name: String, gateway: String, keyFile: String? = nil,
        environment: [String: String] = [:], extra: [String] = [], ids: [String]
    ) async throws -> (process: ChildProcess, base: String) {
        let port = freePort()
        var arguments = [
            "serve", "--cometapi.base-url", gateway, "--storage.path", scratch.path("\(name).db"),
            "--web.listen-address", "127.0.0.1:\(port)", "--collector.interval", "200ms", "--collector.timeout", "2s",
            "--log.level", "debug",
        ]
        if let keyFile { arguments += ["--cometapi.key-file", keyFile] }
        let process = try ChildProcess(
            binary, arguments + extra, log: scratch.url.appendingPathComponent("\(name).log"),
            environment: environment)
        let base = "http://127.0.0.1:\(port)"
        let up = await eventually(within: 60) { (try? await TestHTTP.send("GET", base + "/-/healthy"))?.status == 200 }
        #expect(up, "\(name): \(process.log.suffix(1_500))")
        let registered = try await TestHTTP.send("POST", base + "/api/v1/tasks", json: ["ids": ids])
        #expect(registered.status == 202)
        return (process, base)
    }

    /// Waits until `suno_upstream_requests_total{code}` reaches `atLeast`.
    static func calls(_ base: String, code: String, atLeast: Double) async -> Bool {
        await eventually(within: 60) {
            guard let reply = try? await TestHTTP.send("GET", base + "/metrics") else { return false }
            return ExpositionSamples(reply.text).sum("suno_upstream_requests_total", ["code": code]) >= atLeast
        }
    }

    /// Every page and error body of a server.
    static func collectPages(_ base: String, id: String, into artifacts: Artifacts, _ name: String) async throws {
        let openMetrics = ["Accept": "application/openmetrics-text;version=1.0.0"]
        for (label, method, path, body, headers) in [
            ("metrics", "GET", "/metrics", nil, [:]), ("openmetrics", "GET", "/metrics", nil, openMetrics),
            ("landing", "GET", "/", nil, [:]), ("list", "GET", "/api/v1/tasks", nil, [:]),
            ("task", "GET", "/api/v1/tasks/\(id)", nil, [:]), ("ready", "GET", "/-/ready", nil, [:]),
            ("404", "GET", "/nope", nil, [:]), ("405", "PUT", "/api/v1/tasks", "{}", [:]),
            ("400", "POST", "/api/v1/tasks", "not json", [:]), ("422", "POST", "/api/v1/tasks", #"{"ids":[1]}"#, [:]),
            ("hook 422", "POST", "/api/v1/hooks/suno", #"{"task_id":"x","status":7}"#, [:]),
            ("nul", "GET", "/api/v1/tasks/a%00b", nil, [:]),
        ] as [(String, String, String, String?, [String: String])] {
            let reply = try await TestHTTP.send(method, base + path, text: body, headers: headers)
            artifacts.add("\(name) \(label)", reply)
        }
    }
}

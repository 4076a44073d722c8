import Foundation
import SunoExporterApp
import SunoSimulator
import SunoStore
import SunoTestSupport
import Testing

/// `suno-exporter tasks add|import|list|show|forget`, run as the built binary on a temporary database,
/// alone and next to a server that has the same file open.
@Suite struct TaskAPICLITests {
    static func run(_ arguments: [String], stdin: String? = nil) async throws -> ProcessRun {
        let binary = try #require(
            Repository.exporterBinary, "suno-exporter binary not found (run `swift build` first)")
        return try await runProcess(binary, arguments, stdin: stdin)
    }

    /// A temporary database path, removed (with its WAL files) after `body`.
    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await body(scratch.path("watch.db"))
    }

    @Test func addListShowForget() async throws {
        try await Self.withDatabase { db async throws in
            let add = try await Self.run(
                ["tasks", "add", "--storage.path", db, "--model", "chirp-v4", "--label", "team=x", "c-1", "c-2"])
            #expect(add.status == 0, "\(add.stderr)")
            #expect(add.stdout == "added 2, already watched 0\n")
            let again = try await Self.run(["tasks", "add", "--storage.path", db, "--action", "lyrics", "c-2", "c-3"])
            #expect(again.stdout == "added 1, already watched 1\n")

            let list = try await Self.run(["tasks", "list", "--storage.path", db])
            #expect(list.status == 0)
            let lines = list.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 4)
            #expect(lines.first?.hasPrefix("ID") == true)
            #expect(lines.first?.contains("ACTION") == true)
            // Aligned: every row starts its STATUS column at the same offset as the header.
            let header = try #require(lines.first)
            let statusColumn = try #require(header.range(of: "STATUS")).lowerBound.utf16Offset(in: header)
            for row in lines.dropFirst() {
                let index = row.index(row.startIndex, offsetBy: statusColumn)
                #expect(row[index...].hasPrefix("NOT_START"), "\(row)")
            }
            #expect(lines.contains { $0.hasPrefix("c-3") && $0.contains("LYRICS") })
            #expect(lines.contains { $0.hasPrefix("c-1") && $0.contains("chirp-v4") })

            let lyrics = try await Self.run(["tasks", "list", "--storage.path", db, "--action", "LYRICS"])
            #expect(lyrics.stdout.split(separator: "\n").count == 2)
            let limited = try await Self.run(["tasks", "list", "--storage.path", db, "--limit", "1"])
            #expect(limited.stdout.split(separator: "\n").count == 2)

            let show = try await Self.run(["tasks", "show", "--storage.path", db, "c-1"])
            #expect(show.status == 0)
            #expect(show.stdout.contains("id           c-1"))
            #expect(show.stdout.contains("model        chirp-v4"))
            #expect(show.stdout.contains("labels       team=x"))
            #expect(show.stdout.contains("history:\nOBSERVED"))

            let forget = try await Self.run(["tasks", "forget", "--storage.path", db, "c-1"])
            #expect(forget.status == 0)
            #expect(forget.stdout == "forgot 1, unknown 0\n")
            let gone = try await Self.run(["tasks", "show", "--storage.path", db, "c-1"])
            #expect(gone.status == 1)
            #expect(gone.stderr == "suno-exporter: no such task: c-1\n")

            let partly = try await Self.run(["tasks", "forget", "--storage.path", db, "c-2", "zz"])
            #expect(partly.status == 1)
            #expect(partly.stdout == "forgot 1, unknown 1\n")
            #expect(partly.stderr == "suno-exporter: no such task: zz\n")
            #expect(try TaskStore(path: db).counts().tasks == 1)
        }
    }

    @Test func importReadsPlainAndJSONLines() async throws {
        try await Self.withDatabase { db async throws in
            let file = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("ids.txt")
            try """
            # a comment, then a blank line

            i-1
              i-2  
            {"id": "i-3", "action": "LYRICS"}
            {"task_id": "i-4", "model": "chirp-crow", "labels": {"team": "y"}}
            i-1
            """.write(to: file, atomically: true, encoding: .utf8)
            let run = try await Self.run(["tasks", "import", "--storage.path", db, "--model", "chirp-v4", file.path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "imported 4, already watched 1\n")
            let store = try TaskStore(path: db)
            #expect(try store.task(id: "i-2")?.model == "chirp-v4")
            #expect(try store.task(id: "i-3")?.action == .lyrics)
            #expect(try store.task(id: "i-4")?.model == "chirp-crow")
            #expect(try store.task(id: "i-4")?.labels == ["team": "y"])

            let piped = try await Self.run(
                ["tasks", "import", "--storage.path", db, "--action", "LYRICS", "-"], stdin: "s-1\ns-2\n")
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout == "imported 2, already watched 0\n")
            #expect(try store.task(id: "s-2")?.action == .lyrics)
        }
    }

    @Test func badInputExitsNonZeroAndStoresNothing() async throws {
        try await Self.withDatabase { db async throws in
            let file = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("bad.txt")
            try "b-1\nb-2\n{\"id\": \"b-3\", \"action\": \"VIDEO\"}\n".write(
                to: file, atomically: true, encoding: .utf8)
            let badImport = try await Self.run(["tasks", "import", "--storage.path", db, file.path])
            #expect(badImport.status != 0)
            #expect(badImport.stderr.contains("bad.txt:3:"))
            #expect(badImport.stderr.split(separator: "\n").count == 1)

            let badID = try await Self.run(["tasks", "add", "--storage.path", db, "ok-1", "bad id"])
            #expect(badID.status != 0)
            #expect(badID.stderr.contains("whitespace or control"))
            let longID = try await Self.run(["tasks", "add", "--storage.path", db, String(repeating: "l", count: 192)])
            #expect(longID.status != 0)

            let badAction = try await Self.run(["tasks", "add", "--storage.path", db, "--action", "VIDEO", "x"])
            #expect(badAction.status == 64)
            #expect(badAction.stderr == "suno-exporter: --action must be MUSIC or LYRICS (got \"VIDEO\")\n")

            let list = try await Self.run(["tasks", "list", "--storage.path", db])
            #expect(list.stdout.split(separator: "\n").count == 1)

            let noStore = try await Self.run(["tasks", "list", "--storage.path", "/nonexistent-dir/x/watch.db"])
            #expect(noStore.status == 1)
            #expect(noStore.stderr.hasPrefix("suno-exporter: cannot open store /nonexistent-dir/x/watch.db"))
        }
    }

    /// The CLI and a running server share one database (WAL, busy timeout): each sees the other's writes,
    /// while the collector keeps committing cycles.
    @Test func worksOnTheDatabaseOfARunningServer() async throws {
        let simulator = SunoSimulator(configuration: SimulatorConfiguration(timeScale: 0.01), logger: quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        let gatewayIDs = (0..<20).map { simulator.submit(action: "MUSIC", model: nil, prompt: "cli \($0)") }
        let settings = CollectorSettings(interval: 0.05, batchSize: 10)
        try await withAPIServer(gatewayURL: simulator.baseURL, collector: settings) { server async throws in
            let collector = Task { await server.assembly.collector.run() }
            defer { collector.cancel() }
            let db = server.databasePath
            let apiIDs = (0..<30).map { "api-\($0)" } + gatewayIDs
            #expect(try await TestHTTP.send("POST", server.tasksURL, json: ["ids": apiIDs]).status == 202)

            let add = try await Self.run(["tasks", "add", "--storage.path", db] + (0..<50).map { "cli-\($0)" })
            #expect(add.status == 0, "\(add.stderr)")
            #expect(add.stdout == "added 50, already watched 0\n")
            let viaAPI = try await TestHTTP.send("GET", server.taskURL("cli-7"))
            #expect(viaAPI.status == 200)

            let list = try await Self.run(["tasks", "list", "--storage.path", db, "--limit", "500"])
            #expect(list.status == 0)
            #expect(list.stdout.split(separator: "\n").count == 101)
            #expect(list.stdout.contains("api-29"))

            let show = try await Self.run(["tasks", "show", "--storage.path", db, "api-3"])
            #expect(show.status == 0, "\(show.stderr)")

            let forget = try await Self.run(["tasks", "forget", "--storage.path", db, "api-3", "cli-3"])
            #expect(forget.status == 0, "\(forget.stderr)")
            #expect(try await TestHTTP.send("GET", server.taskURL("api-3")).status == 404)
            #expect(try await TestHTTP.send("GET", server.taskURL("cli-3")).status == 404)
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline,
                try !gatewayIDs.allSatisfy({ try server.store.task(id: $0)?.pollCount ?? 0 > 0 })
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            collector.cancel()
            await collector.value
            #expect(try server.store.counts().tasks == 98)
            // The collector committed cycles meanwhile (every gateway id was polled at least once).
            #expect(try gatewayIDs.allSatisfy { try server.store.task(id: $0)?.pollCount ?? 0 > 0 })
        }
    }
}

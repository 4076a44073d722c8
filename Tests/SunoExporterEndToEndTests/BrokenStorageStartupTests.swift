import Foundation
import SunoStore
import SunoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `serve` on storage it cannot use: the real binary exits non-zero with one error line that names
/// the file and says what to do.
@Suite(.serialized)
struct BrokenStorageStartupTests {
    /// What `serve` printed and how it ended.
    struct Outcome {
        var status: Int32
        var errorLines: [String]
        var stderr: String
    }

    /// Runs `serve` on `database` (as an unprivileged user when `unprivileged` and this is root, so
    /// file permissions apply), optionally behind `wrapper` (a shell snippet run before the exec).
    static func serve(database: String, unprivileged: Bool = false, wrapper: String? = nil) async throws -> Outcome {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        let arguments = [
            "serve", "--storage.path", database, "--web.listen-address", "127.0.0.1:\(freePort())",
            "--cometapi.base-url", "http://127.0.0.1:9", "--log.level", "warn",
        ]
        var command = [binary] + arguments
        if unprivileged && geteuid() == 0 {
            command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        }
        if let wrapper {
            command = ["/bin/sh", "-c", wrapper + "; exec \"$0\" \"$@\""] + command
        }
        let run = try await runProcess(command[0], Array(command.dropFirst()), timeout: 60)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        return Outcome(status: run.status, errorLines: lines.filter { $0.contains("level=error") }, stderr: run.stderr)
    }

    /// One error line, naming the file, with the expected words.
    static func expectOneLine(
        _ outcome: Outcome, naming path: String, saying words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(outcome.status != 0, "exit status", sourceLocation: sourceLocation)
        #expect(outcome.errorLines.count == 1, "stderr: \(outcome.stderr)", sourceLocation: sourceLocation)
        let line = outcome.errorLines.first ?? ""
        #expect(line.contains(path), "\(line)", sourceLocation: sourceLocation)
        for word in words { #expect(line.contains(word), "\(line)", sourceLocation: sourceLocation) }
    }

    /// A database of the current version with a few tasks, closed.
    static func makeDatabase(_ path: String, tasks: Int = 10) throws {
        let store = try TaskStore(path: path)
        try store.register((0..<tasks).map { Registration(id: "t-\($0)", action: .music) }, source: "api", now: 1)
    }

    @Test func aFileThatIsNotSQLite() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path("notes.txt")
        try Data(String(repeating: "my notes, not a database\n", count: 400).utf8).write(to: URL(fileURLWithPath: path))
        let outcome = try await Self.serve(database: path)
        Self.expectOneLine(outcome, naming: path, saying: ["is not an SQLite database", "--storage.path"])
        // Nothing was written to it.
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("my notes"))
    }

    @Test func aDatabaseFromANewerVersion() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path("newer.db")
        try Self.makeDatabase(path)
        try await runPython(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 99')", path)
        let outcome = try await Self.serve(database: path)
        Self.expectOneLine(
            outcome, naming: path, saying: ["newer suno-exporter", "schema version 99", "run that version"])
    }

    @Test(arguments: ["truncated", "overwritten"])
    func aDamagedDatabase(_ damage: String) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path("damaged.db")
        try Self.makeDatabase(path, tasks: 3_000)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        if damage == "truncated" {
            try handle.truncate(atOffset: size / 2)
        } else {
            try handle.seek(toOffset: 4_096)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size) - 4_096))
        }
        try handle.close()
        let outcome = try await Self.serve(database: path)
        Self.expectOneLine(outcome, naming: path, saying: ["is damaged", "restore it from a backup"])
    }

    /// Another process holds the write lock: the exporter waits the busy timeout (5 s), then says so.
    @Test func aDatabaseLockedByAnotherProcess() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path("locked.db")
        try Self.makeDatabase(path)
        let marker = scratch.path("locked")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); "
                + "c.execute('BEGIN EXCLUSIVE'); open(sys.argv[2], 'w').close(); sys.stdin.read()",
            path, marker,
        ]
        // The holder keeps the lock until its standard input closes.
        let input = Pipe()
        holder.standardInput = input
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        #expect(await eventually(within: 30) { FileManager.default.fileExists(atPath: marker) })
        let outcome = try await Self.serve(database: path)
        Self.expectOneLine(outcome, naming: path, saying: ["locked by another process", "stop that process"])
    }

    /// The exporter cannot write the file or the directory beside it (SQLite needs both, for its
    /// `-wal` and `-shm` files). Root ignores permissions, so as root the exporter runs as `nobody`.
    @Test(arguments: ["file", "directory", "both"])
    func readOnlyStorage(_ what: String) async throws {
        let scratch = try ScratchDirectory()
        defer {
            unsafe chmod(scratch.url.path, 0o755)
            scratch.remove()
        }
        let directory = scratch.url.appendingPathComponent("store").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let path = directory + "/exporter.db"
        try Self.makeDatabase(path)
        let root = geteuid() == 0
        // As root the files belong to root: `nobody` gets what "others" may do.
        unsafe chmod(path, what == "directory" ? 0o666 : 0o444)
        unsafe chmod(directory, what == "file" ? 0o777 : (root ? 0o755 : 0o555))
        let outcome = try await Self.serve(database: path, unprivileged: true)
        unsafe chmod(directory, 0o755)
        unsafe chmod(path, 0o644)
        Self.expectOneLine(outcome, naming: path, saying: ["read-only", "write access", "-wal"])
    }

    /// The disk fills up while a fresh store is being created: here a file size limit of 16 KiB
    /// (`ulimit -f`, with SIGXFSZ ignored so writes fail instead of killing the process).
    @Test func aFullDiskAtStartUp() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path("fresh.db")
        let outcome = try await Self.serve(database: path, wrapper: "trap '' XFSZ; ulimit -S -f 32")
        Self.expectOneLine(outcome, naming: path, saying: ["cannot write store", "disk is full", "free space"])
    }
}

/// Runs a short python3 program (the standard library's sqlite3 module) with `arguments`.
func runPython(_ program: String, _ arguments: String...) async throws {
    let run = try await runProcess("/usr/bin/env", ["python3", "-c", program] + arguments)
    #expect(run.status == 0, "python3: \(run.stderr)")
}

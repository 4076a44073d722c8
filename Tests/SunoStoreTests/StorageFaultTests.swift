import Foundation
import SunoExporterCore
import Testing

@testable import SunoStore

/// Broken storage as the store sees it: each start-up case is classified (so its one-line message
/// says what to do), and a store that runs out of room fails writes without losing what it
/// acknowledged, says so in its health, and recovers by itself when room is back.
struct StorageFaultTests {
    static func openError(_ path: String) -> StoreOpenError? {
        do {
            _ = try TaskStore(path: path)
            return nil
        } catch {
            return error as? StoreOpenError
        }
    }

    static func openProblem(_ path: String) -> StoreOpenError.Problem? { openError(path)?.problem }

    /// A database with `tasks` registered and some history, closed (its WAL checkpointed away).
    static func populated(_ path: String, tasks: Int) throws {
        let store = try TaskStore(path: path)
        let ids = (0..<tasks).map { "task-\($0)" }
        try store.register(ids.map { Registration(id: $0, action: .music, model: "chirp-v4") }, source: "api", now: 100)
        var labeler = ModelLabeler(maxModels: 30)
        let observations = Dictionary(
            uniqueKeysWithValues: ids.map { ($0, TaskObservation(taskID: $0, status: "QUEUED")) })
        try store.update(ids: ids) { rows in
            BatchTransition.apply(observations, to: rows, now: 110, policy: LifecyclePolicy(), labeler: &labeler)
        }
    }

    @Test func aTruncatedFileIsReportedAsDamaged() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.populated(dir.databasePath, tasks: 2_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dir.databasePath)[.size] as? Int)
        #expect(size > 64 * 1_024)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.databasePath))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        #expect(Self.openProblem(dir.databasePath) == .failure(.corrupt))
    }

    @Test func aFileWithDamagedPagesIsReportedAsDamaged() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.populated(dir.databasePath, tasks: 2_000)
        // Everything after the first page (the header and the schema) becomes garbage.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: dir.databasePath))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 4_096)
        try handle.write(contentsOf: Data((0..<Int(size) - 4_096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()
        #expect(Self.openProblem(dir.databasePath) == .failure(.corrupt))
    }

    @Test func aFileThatIsNotSQLiteAndANewerSchemaAreNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: dir.databasePath))
        #expect(Self.openProblem(dir.databasePath) == .failure(.notADatabase))

        let newer = dir.url.appendingPathComponent("newer.db").path
        do {
            let store = try TaskStore(path: newer)
            try store.withConnection { try $0.execute("PRAGMA user_version = 42") }
        }
        let error = try #require(Self.openError(newer))
        #expect(error.problem == .newerSchema(found: 42, supported: Migrations.all.count))
        let message = error.description
        #expect(
            message.contains(newer) && message.contains("newer suno-exporter") && message.contains("--storage.path"))
        #expect(!message.contains("\n"))
    }

    /// Another connection holding the write lock past the busy timeout: reported as locked.
    @Test func aFileLockedByAnotherConnectionIsReportedAsLocked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try TaskStore(path: dir.databasePath)
        let holder = try SQLiteConnection(path: dir.databasePath)
        try holder.execute("BEGIN IMMEDIATE")
        defer { try? holder.execute("ROLLBACK") }
        #expect(Self.openProblem(dir.databasePath) == .failure(.locked))
    }

    /// The file may grow no further (`max_page_count`, as on a full disk): registrations fail and
    /// are not half-kept, the health says writes fail (once, however many fail), and a probe
    /// succeeds again once there is room.
    @Test func aFullStoreFailsWritesKeepsWhatItAcknowledgedAndRecovers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        var pages = 0
        try store.withConnection { db in
            try db.statement("PRAGMA page_count").forEachRow { pages = Int($0.int(0)) }
            try db.execute("PRAGMA max_page_count = \(pages + 2)")
        }
        var acknowledged: [String] = []
        var failures = 0
        for round in 0..<200 where failures < 3 {
            let ids = (0..<50).map { "round-\(round)-\($0)-" + String(repeating: "x", count: 40) }
            do {
                try store.register(ids.map { Registration(id: $0, action: .music) }, source: "api", now: 1)
                acknowledged += ids
            } catch {
                #expect(StorageFailure(error) == .full)
                failures += 1
            }
        }
        #expect(failures == 3, "the store never filled up")
        #expect(store.health.writesFailing)
        #expect(store.health.problem?.contains("disk full") == true)
        #expect(store.health.errorCounts[.register] == 3)
        #expect(throws: (any Error).self) { try store.probeWrite() }
        // Reads still work, and every acknowledged id is there.
        #expect(try store.counts().tasks == acknowledged.count)
        #expect(try store.tasks(ids: acknowledged).count == acknowledged.count)

        try store.withConnection { try $0.execute("PRAGMA max_page_count = 1073741823") }
        try store.probeWrite()
        #expect(!store.health.writesFailing)
        #expect(store.health.problem == nil)
        #expect(store.health.errorCounts[.probe] == 1)
    }
}

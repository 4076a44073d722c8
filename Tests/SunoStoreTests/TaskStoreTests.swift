import Foundation
import SunoExporterCore
import Testing

@testable import SunoStore

struct TaskStoreTests {
    @Test func migratesAFreshFileAndReopens() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try TaskStore(path: dir.databasePath)
            #expect(try store.counts().tasks == 0)
        }
        let reopened = try TaskStore(path: dir.databasePath)
        let version = try reopened.withConnection { try Migrations.currentVersion($0) }
        #expect(version == Migrations.all.count)
    }

    @Test func theCLICreatesAFreshFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath, upgrading: false)
        #expect(try store.withConnection { try Migrations.currentVersion($0) } == Migrations.all.count)
    }

    @Test func refusesANewerSchema() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try TaskStore(path: dir.databasePath)
            try store.withConnection { try $0.execute("PRAGMA user_version = 99") }
        }
        #expect {
            try TaskStore(path: dir.databasePath)
        } throws: { error in
            (error as? StoreOpenError)?.problem == .newerSchema(found: 99, supported: Migrations.all.count)
        }
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Data("this is not sqlite, just text that is long enough to have a header".utf8)
            .write(to: URL(fileURLWithPath: dir.databasePath))
        #expect {
            try TaskStore(path: dir.databasePath)
        } throws: { error in
            (error as? StoreOpenError)?.problem == .failure(.notADatabase)
        }
    }

    @Test func registrationCountsDuplicatesAndFeedsTheCounter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        let first = try store.register(
            [
                Registration(id: "a", action: .music, model: "chirp-v4", labels: ["team": "x"]),
                Registration(id: "b", action: .lyrics),
            ],
            source: "api", now: 100)
        #expect(first == RegistrationResult(accepted: 2, duplicates: 0))
        let second = try store.register(
            [Registration(id: "a", action: .music), Registration(id: "c", action: .music)], source: "cli", now: 101)
        #expect(second == RegistrationResult(accepted: 1, duplicates: 1))
        let cells = try store.aggregates()
        #expect(cells[AggregateCell(kind: .registered, label: "api")] == 2)
        #expect(cells[AggregateCell(kind: .registered, label: "cli")] == 1)
        let a = try #require(try store.task(id: "a"))
        #expect(a.labels == ["team": "x"])
        #expect(a.model == "chirp-v4")
        #expect(a.status == "NOT_START")
        // Polling order: action (LYRICS sorts before MUSIC), then registration order.
        #expect(try store.activeTasks().map(\.id) == ["b", "a", "c"])
    }

    @Test func pagesThroughTheWatchListByActionThenRegistrationOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        // Ids in descending order, actions interleaved: neither id order nor insertion order alone is polling order.
        let registrations = (0..<23).map { index in
            Registration(id: String(format: "task-%02d", 99 - index), action: index % 3 == 0 ? .lyrics : .music)
        }
        try store.register(registrations, source: "api", now: 100)
        let expected =
            registrations.filter { $0.action == .lyrics }.map(\.id)
            + registrations.filter { $0.action == .music }.map(\.id)
        for limit in [1, 2, 7, 8, 23, 50] {
            var seen: [ActiveTaskKey] = []
            while true {
                let page = try store.activeTaskPage(after: seen.last, limit: limit)
                #expect(page.count <= limit)
                seen += page
                if page.count < limit { break }
            }
            #expect(seen.map(\.id) == expected, "limit \(limit)")
            #expect(
                seen.map(\.rowid)
                    == seen.sorted { ($0.action.rawValue, $0.rowid) < ($1.action.rawValue, $1.rowid) }.map(\.rowid))
        }
    }

    /// A file written by schema version 1 (history keyed by task id) keeps every task, its key and
    /// its history under version 2 (history keyed by the task's `seq`); orphaned history rows go.
    @Test func migratesAVersionOneFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        do {
            let db = try SQLiteConnection(path: dir.databasePath)
            try db.execute("PRAGMA journal_mode = WAL")
            try db.execute(Migrations.all[0])
            try db.execute("PRAGMA user_version = 1")
            try db.execute(
                """
                INSERT INTO tasks (rowid, id, action, model, status, first_seen, source, outcome, finished_at)
                VALUES (3, 'old-a', 'MUSIC', 'chirp-v4', 'SUCCESS', 10, 'api', 'success', 90),
                       (7, 'old-b', 'LYRICS', 'lyrics', 'IN_PROGRESS', 20, 'cli', NULL, NULL);
                INSERT INTO task_history (task_id, observed_at, status, progress, fail_reason)
                VALUES ('old-a', 30, 'QUEUED', '', ''), ('old-b', 40, 'IN_PROGRESS', '10%', ''),
                       ('old-a', 90, 'SUCCESS', '100%', ''), ('gone', 50, 'QUEUED', '', '');
                """)
        }
        // The CLI (upgrading: false) leaves an older file alone: an older server may still run on it.
        #expect {
            try TaskStore(path: dir.databasePath, upgrading: false)
        } throws: { error in
            "\(error)".contains("start `suno-exporter serve`")
        }
        let untouched = try SQLiteConnection(path: dir.databasePath)
        #expect(try Migrations.currentVersion(untouched) == 1)
        let store = try TaskStore(path: dir.databasePath)
        #expect(try store.withConnection { try Migrations.currentVersion($0) } == Migrations.all.count)
        // The upgrade's copy of the tables does not stay in the WAL.
        let wal = (try? FileManager.default.attributesOfItem(atPath: dir.databasePath + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
        #expect(try store.counts() == (tasks: 2, active: 1, history: 3))
        #expect(try store.history(id: "old-a").map(\.status) == ["QUEUED", "SUCCESS"])
        #expect(try store.history(id: "old-b").map(\.progress) == ["10%"])
        #expect(try store.task(id: "old-b")?.status == "IN_PROGRESS")
        #expect(try store.activeTaskPage(after: nil, limit: 10).map(\.rowid) == [7])

        // Keys are never reused, even after the newest task is forgotten: history cannot change owner.
        #expect(try store.forget(id: "old-b"))
        try store.register([Registration(id: "new", action: .music)], source: "api", now: 100)
        #expect(try store.activeTaskPage(after: nil, limit: 10).map(\.rowid) == [8])
        #expect(try store.history(id: "new").isEmpty)
    }

    /// Unfinished rows are rewritten without naming `outcome` and `finished_at` (so SQLite leaves the
    /// partial indexes alone); finishing rows name them. Both keep the indexes consistent.
    @Test func rowRewritesKeepThePartialIndexesRight() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        try store.register((0..<6).map { Registration(id: "t\($0)", action: .music) }, source: "api", now: 100)
        for (round, now) in [(0, 110.0), (1, 120.0)] {
            try store.update(ids: (0..<6).map { "t\($0)" }) { current in
                var batch = BatchTransition()
                for var task in current where !task.isFinished {
                    task.status = round == 0 ? "IN_PROGRESS" : "SUCCESS"
                    task.progress = round == 0 ? "40%" : "100%"
                    if round == 1 && task.id < "t3" {
                        task.outcome = .success
                        task.finishedAt = now
                    } else if round == 1 {
                        task.status = "IN_PROGRESS"
                    }
                    batch.changed.append(task)
                }
                return batch
            }
        }
        #expect(try store.activeTaskPage(after: nil, limit: 10).map(\.id) == ["t3", "t4", "t5"])
        #expect(try store.list(TaskFilter(status: .finished)).map(\.id).sorted() == ["t0", "t1", "t2"])
        #expect(try store.task(id: "t4")?.progress == "100%")
        #expect(try store.task(id: "t4")?.outcome == nil)
        #expect(try store.task(id: "t1")?.finishedAt == 120)
        #expect(try store.prune(finishedBefore: 121, rollupBefore: 0) == 3)
        var integrity: [String] = []
        try store.withConnection { db in
            try db.statement("PRAGMA integrity_check").forEachRow { integrity.append($0.string(0) ?? "") }
        }
        #expect(integrity == ["ok"])
    }

    @Test func updateAppliesOnCurrentRowsAndPersistsEverything() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        try store.register(
            [Registration(id: "a", action: .music), Registration(id: "b", action: .music)], source: "api", now: 100)
        try store.update(ids: ["a", "b", "ghost"]) { current in
            #expect(current.map(\.id).sorted() == ["a", "b"])
            var batch = BatchTransition()
            batch.polledAt = 200
            var a = current.first { $0.id == "a" }!
            a.status = "SUCCESS"
            a.outcome = .success
            a.finishedAt = 200
            a.pollCount = 1
            a.lastPolled = 200
            batch.changed = [a]
            batch.polledUnchanged = ["b"]
            batch.history = [
                HistoryRecord(
                    taskID: "a",
                    entry: HistoryEntry(status: "SUCCESS", progress: "100%", failReason: "", observedAt: 200))
            ]
            batch.deltas.record(
                .finished(outcome: .success, seconds: 42, reason: nil), action: .music, model: "chirp-v4", taskID: "a",
                now: 200)
            batch.finishMinutes = [
                FinishMinute(minute: 3, action: .music, model: "chirp-v4"): FinishCounts(finished: 1)
            ]
            batch.newModels = ["chirp-v4"]
            return batch
        }
        #expect(try store.task(id: "a")?.outcome == .success)
        #expect(try store.task(id: "b")?.pollCount == 1)
        #expect(try store.task(id: "b")?.lastPolled == 200)
        #expect(try store.history(id: "a").map(\.status) == ["SUCCESS"])
        #expect(try store.activeTasks().map(\.id) == ["b"])
        #expect(try store.admittedModels() == ["chirp-v4"])
        #expect(
            try store.finishCounts(since: 0, window: "1h")
                == [FailureWindow(name: "1h", action: "MUSIC", model: "chirp-v4", failures: 0, finished: 1)])
        let cells = try store.aggregates()
        #expect(cells[AggregateCell(kind: .finished, action: "MUSIC", model: "chirp-v4", label: "success")] == 1)
        #expect(
            cells[
                AggregateCell(
                    kind: .duration, action: "MUSIC", model: "chirp-v4", label: "success", slot: AggregateCell.sumSlot)]
                == 42)
    }

    /// Ids the gateway never returned expire into `never_seen`, by the source stored with their row.
    @Test func neverSeenIsCountedByTheStoredSource() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        try store.register([Registration(id: "p", action: .music)], source: "proxy", now: 100)
        try store.register([Registration(id: "c", action: .music)], source: "cli", now: 100)
        #expect(try store.task(id: "p")?.source == "proxy")
        var labeler = ModelLabeler(maxModels: 30)
        let transition = try store.update(ids: ["p", "c"]) { rows in
            BatchTransition.apply([:], to: rows, now: 100 + 900, policy: LifecyclePolicy(), labeler: &labeler)
        }
        #expect(transition.finished == 2)
        let cells = try store.aggregates()
        #expect(cells[AggregateCell(kind: .neverSeen, label: "proxy")] == 1)
        #expect(cells[AggregateCell(kind: .neverSeen, label: "cli")] == 1)
        #expect(try store.admittedModels().isEmpty)
        #expect(try store.list(TaskFilter(status: .outcome(.expired))).map(\.id).sorted() == ["c", "p"])
    }

    @Test func countersSurviveARestartAndKeepAdding() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cell = AggregateCell(kind: .finished, action: "MUSIC", model: "m", label: "failure")
        for round in 1...3 {
            let store = try TaskStore(path: dir.databasePath)
            var batch = BatchTransition()
            batch.deltas.add(cell, 2)
            try store.commit(batch)
            #expect(try store.aggregates()[cell] == Double(2 * round))
        }
    }

    @Test func pruningNeverLowersCountersAndKeepsActiveTasks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        try store.register(
            [Registration(id: "old", action: .music), Registration(id: "active", action: .music)], source: "api", now: 0
        )
        try store.update(ids: ["old"]) { current in
            var batch = BatchTransition()
            var old = current[0]
            old.outcome = .failure
            old.finishedAt = 1_000
            batch.changed = [old]
            batch.history = [
                HistoryRecord(
                    taskID: "old",
                    entry: HistoryEntry(status: "FAILURE", progress: "100%", failReason: "x", observedAt: 1_000))
            ]
            batch.deltas.record(
                .finished(outcome: .failure, seconds: 5, reason: .other), action: .music, model: "m", taskID: "old",
                now: 1_000)
            batch.finishMinutes = [
                FinishMinute(minute: 16, action: .music, model: "m"): FinishCounts(finished: 1, failures: 1)
            ]
            return batch
        }
        let before = try store.aggregates()
        let pruned = try store.prune(finishedBefore: 5_000, rollupBefore: 5_000)
        #expect(pruned == 1)
        #expect(try store.task(id: "old") == nil)
        #expect(try store.history(id: "old").isEmpty)
        #expect(try store.task(id: "active") != nil)
        #expect(try store.aggregates() == before)
        #expect(try store.finishCounts(since: 0, window: "24h").isEmpty)
    }

    @Test func forgetRemovesTaskAndHistoryButNotCounters() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        try store.register([Registration(id: "a", action: .music)], source: "api", now: 0)
        let before = try store.aggregates()
        #expect(try store.forget(id: "a"))
        #expect(try !store.forget(id: "a"))
        #expect(try store.task(id: "a") == nil)
        #expect(try store.aggregates() == before)
    }

    @Test func activeGroupsCountStuckByAction() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        try store.register(
            [
                Registration(id: "m1", action: .music, model: "chirp-v4"),
                Registration(id: "m2", action: .music, model: "chirp-v4"),
                Registration(id: "l1", action: .lyrics),
            ], source: "api", now: 1_000)
        let policy = LifecyclePolicy(stuckAfter: [.music: 600, .lyrics: 180])
        let groups = try store.activeGroups(now: 1_300, policy: policy)
        let music = try #require(groups.first { $0.action == .music })
        let lyrics = try #require(groups.first { $0.action == .lyrics })
        #expect(music.count == 2 && music.stuck == 0 && music.model == "chirp-v4" && music.status == .notStart)
        #expect(lyrics.count == 1 && lyrics.stuck == 1 && lyrics.model == "unknown")
        #expect(music.oldestSubmit == 1_000)
    }

    @Test func listFiltersAndPages() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TaskStore(path: dir.databasePath)
        for i in 0..<5 {
            try store.register(
                [Registration(id: "t\(i)", action: i.isMultiple(of: 2) ? .music : .lyrics)], source: "api",
                now: Double(i))
        }
        #expect(try store.list(TaskFilter(limit: 2)).map(\.id) == ["t4", "t3"])
        #expect(try store.list(TaskFilter(limit: 2, offset: 2)).map(\.id) == ["t2", "t1"])
        #expect(try store.list(TaskFilter(action: .lyrics)).map(\.id) == ["t3", "t1"])
        #expect(try store.list(TaskFilter(status: .active)).count == 5)
        #expect(try store.list(TaskFilter(status: .finished)).isEmpty)
        #expect(try store.list(TaskFilter(status: TaskFilter.Status(parsing: "not_start"))).count == 5)
    }

    @Test func aSecondConnectionSeesCommittedWrites() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try TaskStore(path: dir.databasePath)
        let cli = try TaskStore(path: dir.databasePath)
        try cli.register([Registration(id: "from-cli", action: .music)], source: "cli", now: 1)
        #expect(try server.task(id: "from-cli") != nil)
    }
}

/// Two processes opening a fresh file at once (the server and `tasks add`) must both succeed.
struct ConcurrentOpenTests {
    @Test func concurrentOpensOfAFreshFileAllSucceed() async throws {
        for _ in 0..<10 {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let path = dir.databasePath
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let store = try TaskStore(path: path)
                        try store.register([Registration(id: "t\(index)", action: .music)], source: "cli", now: 1)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try TaskStore(path: path).counts().tasks == 4)
        }
    }
}

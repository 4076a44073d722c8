import SunoExporterApp
import SunoExporterCore
import SunoStore
import SunoTestSupport
import Testing

/// `--shard i/n`: replicas split the watch list by a stable hash, so `sum without (instance)` adds up.
struct ShardTests {
    @Test func replicasSplitTheWatchListWithoutOverlap() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let ids = (0..<200).map { "task_\($0)" }
        var accepted = 0
        var stored = Set<String>()
        for index in 0..<3 {
            let shard = Shard(index: index, count: 3)
            let store = try TaskStore(path: scratch.path("replica-\(index).db"), owns: { shard.owns($0) })
            let result = try store.register(ids.map { Registration(id: $0, action: .music) }, source: "api", now: 1)
            #expect(result.accepted + result.otherShard == ids.count)
            #expect(result.accepted > 40, "a fair split: \(result.accepted) of 200")
            accepted += result.accepted
            let mine = Set(try store.activeTasks().map(\.id))
            #expect(mine.isDisjoint(with: stored))
            stored.formUnion(mine)
        }
        #expect(accepted == ids.count)
        #expect(stored == Set(ids))
    }

    @Test func theHashIsStableAcrossProcesses() {
        // FNV-1a, not Swift's per-process seeded hashValue: fixed answers.
        // FNV-1a 64 of "task_0" is 3 mod 4 and 2 mod 7 (computed independently).
        #expect(Shard(index: 3, count: 4).owns("task_0"))
        #expect(Shard(index: 2, count: 7).owns("task_0"))
        let owners = (0..<4).filter { Shard(index: $0, count: 4).owns("5e9a1c0b-aaaa-4bbb-8ccc-0123456789ab") }
        #expect(owners.count == 1)
    }
}

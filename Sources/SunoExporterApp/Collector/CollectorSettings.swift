import SunoExporterCore

/// The collector's knobs, from the command line.
public struct CollectorSettings: Sendable, Equatable {
    /// Seconds between cycle starts.
    public var interval: Double
    /// Ids per `POST /suno/fetch` (≤ 100).
    public var batchSize: Int
    /// Batches in flight at once.
    public var concurrency: Int
    public var policy: LifecyclePolicy
    public var maxModels: Int
    /// Finished tasks older than this are pruned from SQLite (aggregates stay).
    public var retention: Double
    /// `--shard i/n`: this replica owns ids whose hash mod n == i.
    public var shard: Shard?

    public init(
        interval: Double = 15, batchSize: Int = 50, concurrency: Int = 2, policy: LifecyclePolicy = LifecyclePolicy(),
        maxModels: Int = 30, retention: Double = 30 * 86_400, shard: Shard? = nil
    ) {
        self.interval = interval
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.policy = policy
        self.maxModels = maxModels
        self.retention = retention
        self.shard = shard
    }
}

/// A slice of the watch list owned by one replica.
public struct Shard: Sendable, Equatable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `i/n` as `--shard` takes it, with 0 <= i < n.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (0..<count).contains(index)
        else {
            throw ParseError(description: "--shard must be i/n with 0 <= i < n (got \"\(text)\")")
        }
        self.init(index: index, count: count)
    }

    /// FNV-1a of the id: stable across processes and Swift versions (unlike `hashValue`).
    public func owns(_ id: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count)) == index
    }
}

/// A cumulative-at-render histogram: non-cumulative bucket counts plus sum.
/// `counts` has one slot per upper bound plus a final slot for +Inf.
public struct Histogram: Sendable, Equatable {
    public let upperBounds: [Double]
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double
    /// The most recent exemplar per bucket (same indexing as `counts`); nil where none.
    public private(set) var exemplars: [Exemplar?]

    public init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.counts = Array(repeating: 0, count: upperBounds.count + 1)
        self.sum = 0
        self.exemplars = Array(repeating: nil, count: upperBounds.count + 1)
    }

    /// Rebuilds a histogram from persisted parts (counts must have `upperBounds.count + 1` slots).
    public init(upperBounds: [Double], counts: [UInt64], sum: Double) {
        precondition(counts.count == upperBounds.count + 1, "histogram counts do not match its buckets")
        self.upperBounds = upperBounds
        self.counts = counts
        self.sum = sum
        self.exemplars = Array(repeating: nil, count: upperBounds.count + 1)
    }

    public var count: UInt64 { counts.reduce(0, +) }

    /// The slot a value falls in (`le` is inclusive, as in Prometheus).
    public func bucketIndex(for value: Double) -> Int {
        var low = 0
        var high = upperBounds.count
        while low < high {
            let mid = (low + high) / 2
            if value <= upperBounds[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    public mutating func observe(_ value: Double, exemplar: Exemplar? = nil) {
        let index = bucketIndex(for: value)
        counts[index] += 1
        sum += value
        if let exemplar { exemplars[index] = exemplar }
    }

    /// Adds persisted or remote counts into this one (same buckets).
    public mutating func add(counts other: [UInt64], sum otherSum: Double) {
        precondition(other.count == counts.count, "histogram buckets differ")
        for i in counts.indices { counts[i] += other[i] }
        sum += otherSum
    }

    /// Cumulative counts, as exposed in `_bucket` samples.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map {
            running += $0; return running
        }
    }

    /// The duration buckets of DESIGN.md §3 (seconds).
    public static let durationBuckets: [Double] = [
        5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 3600,
    ]

    /// Buckets for gateway call latency (seconds).
    public static let requestBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// Buckets for one collector cycle (seconds).
    public static let cycleBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
}

extension Histogram {
    /// Attaches an exemplar to a bucket slot (rebuilding a histogram from persisted cells).
    public mutating func setExemplar(_ exemplar: Exemplar, slot: Int) {
        guard exemplars.indices.contains(slot) else { return }
        exemplars[slot] = exemplar
    }
}

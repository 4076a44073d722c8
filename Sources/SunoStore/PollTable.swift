import SunoExporterCore

// In-memory poll bookkeeping of `TaskStore`: what an unchanged poll needs to be skipped, and the
// `last_polled` / `poll_count` it owes the file until the next flush. Only `TaskStore` uses these.

/// Poll states by rowid in 40 bytes a task: rowids in a sorted array (binary search) beside their
/// states, plus a small dictionary of recent additions merged into them in bulk, in place. A
/// Dictionary of every task would take 2–3 times that (its table is a power of two sized for a 75%
/// load) and, growing, would hold its old and new tables at once.
struct PollTable {
    private var rowids: [Int64] = []
    /// Parallel to `rowids`; a removed entry stays (marked) until the next merge.
    private var states: [PollState] = []
    private var removed = 0
    private var recent: [Int64: PollState] = [:]

    /// Additions kept in `recent` before a merge.
    static let mergeThreshold = 4_096

    var isEmpty: Bool { rowids.count == removed && recent.isEmpty }

    /// Room for `count` entries, so merges up to that size happen in place.
    mutating func reserveCapacity(_ count: Int) {
        rowids.reserveCapacity(count)
        states.reserveCapacity(count)
    }

    subscript(rowid: Int64) -> PollState? {
        get {
            if let state = recent[rowid] { return state }
            guard let index = index(of: rowid), !states[index].isRemoved else { return nil }
            return states[index]
        }
        set {
            if let index = index(of: rowid) {
                let wasRemoved = states[index].isRemoved
                states[index] = newValue ?? .removed
                removed += (newValue == nil ? 1 : 0) - (wasRemoved ? 1 : 0)
                if removed > max(Self.mergeThreshold, rowids.count / 2) { merge() }
            } else {
                recent[rowid] = newValue
                if recent.count >= Self.mergeThreshold { merge() }
            }
        }
    }

    /// Rows with polls not yet written, in rowid order.
    func rowidsWithPendingPolls() -> [Int64] {
        var result: [Int64] = []
        for (index, rowid) in rowids.enumerated() where !states[index].isRemoved && states[index].hasPendingPolls {
            result.append(rowid)
        }
        result += recent.compactMap { $0.value.hasPendingPolls ? $0.key : nil }
        return result.sorted()
    }

    private func index(of rowid: Int64) -> Int? {
        var low = 0
        var high = rowids.count
        while low < high {
            let middle = (low + high) / 2
            if rowids[middle] < rowid { low = middle + 1 } else { high = middle }
        }
        return low < rowids.count && rowids[low] == rowid ? low : nil
    }

    /// Drops removed entries and merges `recent` in, in place (from the back); the arrays grow by a
    /// quarter when they are full.
    private mutating func merge() {
        var live = 0
        for index in rowids.indices where !states[index].isRemoved {
            rowids[live] = rowids[index]
            states[live] = states[index]
            live += 1
        }
        rowids.removeLast(rowids.count - live)
        states.removeLast(states.count - live)
        removed = 0
        let additions = recent.sorted { $0.key < $1.key }
        recent = [:]
        guard !additions.isEmpty else { return }
        let total = live + additions.count
        if rowids.capacity < total { reserveCapacity(total + total / 4) }
        rowids.append(contentsOf: repeatElement(0, count: additions.count))
        states.append(contentsOf: repeatElement(.removed, count: additions.count))
        var old = live - 1
        var new = additions.count - 1
        var write = total - 1
        while new >= 0 {
            if old >= 0 && rowids[old] > additions[new].key {
                rowids[write] = rowids[old]
                states[write] = states[old]
                old -= 1
            } else {
                rowids[write] = additions[new].key
                states[write] = additions[new].value
                new -= 1
            }
            write -= 1
        }
    }
}

/// What the store remembers about one watched row between polls: 32 bytes, as there is one per
/// watched task.
///
/// Poll counts are kept whole (the row's count plus the polls counted here), not as a difference
/// to add: a reader that read the row just before or just after a commit folded them into it
/// gets the same, right count by taking the larger of the two, without waiting for the writer.
struct PollState {
    /// `fingerprint(_:)` of the observation the last poll applied; `none` when none applies (the
    /// gateway did not return the task), which always takes the full path.
    var fingerprint: Int
    /// Identifies the row (with the rowid): a rowid reused by another process's new task is not this one.
    var firstSeen: Double
    /// When the row was last polled, as far as this process knows (0: unknown).
    var lastPolled: Double = 0
    /// From this second on the give-up rule may end the task, so a poll must look at the row
    /// (whole seconds after `epoch`, rounded down).
    private var validUntilSecond: Int32
    /// The row's poll count as far as this process knows; the top bit marks polls not yet written.
    private var pollsAndPending: UInt32

    static let none = 0
    private static let epoch = 1_600_000_000.0
    private static let pendingBit: UInt32 = 1 << 31

    /// The mark of a removed entry in `PollTable`.
    static let removed = PollState(firstSeen: -.infinity, fingerprint: nil, validUntil: 0)
    var isRemoved: Bool { firstSeen == -.infinity }

    /// `polls` and `lastPolled`: what the row holds (nothing pending).
    init(firstSeen: Double, fingerprint: Int?, validUntil: Double, polls: Int = 0, lastPolled: Double? = nil) {
        self.firstSeen = firstSeen
        self.fingerprint = fingerprint ?? Self.none
        self.validUntilSecond = Self.second(validUntil)
        self.pollsAndPending = UInt32(clamping: min(max(0, polls), Int(Self.pendingBit - 1)))
        self.lastPolled = lastPolled ?? 0
    }

    var validUntil: Double {
        get { Self.epoch + Double(validUntilSecond) }
        set { validUntilSecond = Self.second(newValue) }
    }

    var polls: Int { Int(pollsAndPending & ~Self.pendingBit) }

    /// Whether polls counted here are not in the row yet.
    var hasPendingPolls: Bool {
        get { pollsAndPending & Self.pendingBit != 0 }
        set { pollsAndPending = newValue ? pollsAndPending | Self.pendingBit : pollsAndPending & ~Self.pendingBit }
    }

    /// Whether a poll at `now` returning an observation with this fingerprint cannot change the row.
    func isUnchanged(fingerprint: Int, now: Double) -> Bool {
        fingerprint == self.fingerprint && fingerprint != Self.none && now < validUntil
    }

    private static func second(_ instant: Double) -> Int32 {
        let offset = (instant - epoch).rounded(.down)
        // Out of range (or NaN): never take the fast path.
        guard offset > Double(Int32.min), offset < Double(Int32.max) else { return Int32.min }
        return Int32(offset)
    }

    /// One more poll that changed nothing, not yet written.
    mutating func record(at instant: Double) {
        if polls < Int(Self.pendingBit - 1) { pollsAndPending += 1 }
        pollsAndPending |= Self.pendingBit
        lastPolled = max(lastPolled, instant)
    }

    /// Brings a row read from the file up to the polls counted here.
    func overlay(_ task: inout TrackedTask) {
        guard task.firstSeen == firstSeen else { return }
        task.pollCount = max(task.pollCount, polls)
        if lastPolled > 0 { task.lastPolled = max(task.lastPolled ?? lastPolled, lastPolled) }
    }

    /// Every field of an observation, hashed (the seed is per process; this never leaves memory).
    static func fingerprint(_ observation: TaskObservation) -> Int {
        var hasher = Hasher()
        hasher.combine(observation.taskID)
        hasher.combine(observation.action)
        hasher.combine(observation.status)
        hasher.combine(observation.progress)
        hasher.combine(observation.failReason)
        hasher.combine(observation.submitTime)
        hasher.combine(observation.startTime)
        hasher.combine(observation.finishTime)
        hasher.combine(observation.modelName)
        hasher.combine(observation.hasStreamableClip)
        return hasher.finalize()
    }
}

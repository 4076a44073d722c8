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
        for (index, rowid) in rowids.enumerated() where !states[index].isRemoved && states[index].pendingPolls > 0 {
            result.append(rowid)
        }
        result += recent.compactMap { $0.value.pendingPolls > 0 ? $0.key : nil }
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
struct PollState {
    /// `fingerprint(_:)` of the observation the last poll applied; `none` when none applies (the
    /// gateway did not return the task), which always takes the full path.
    var fingerprint: Int
    /// Identifies the row (with the rowid): a rowid reused by another process's new task is not this one.
    var firstSeen: Double
    /// When the last poll counted here was.
    var lastPolled: Double = 0
    /// From this second on the give-up rule may end the task, so a poll must look at the row
    /// (whole seconds after `epoch`, rounded down).
    private var validUntilSecond: Int32
    /// Polls that changed nothing and are not yet written to the row.
    var pendingPolls: UInt32 = 0

    static let none = 0
    private static let epoch = 1_600_000_000.0

    /// The mark of a removed entry in `PollTable`.
    static let removed = PollState(firstSeen: -.infinity, fingerprint: nil, validUntil: 0)
    var isRemoved: Bool { firstSeen == -.infinity }

    init(firstSeen: Double, fingerprint: Int?, validUntil: Double) {
        self.firstSeen = firstSeen
        self.fingerprint = fingerprint ?? Self.none
        self.validUntilSecond = Self.second(validUntil)
    }

    var validUntil: Double {
        get { Self.epoch + Double(validUntilSecond) }
        set { validUntilSecond = Self.second(newValue) }
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

    mutating func record(at instant: Double) {
        pendingPolls += 1
        lastPolled = max(lastPolled, instant)
    }

    /// Adds the pending polls to a row read from the file.
    func overlay(_ task: inout TrackedTask) {
        guard pendingPolls > 0, task.firstSeen == firstSeen else { return }
        task.pollCount += Int(pendingPolls)
        task.lastPolled = max(task.lastPolled ?? lastPolled, lastPolled)
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

/// One persisted number of the task counters and histograms: a counter value, one histogram
/// bucket (non-cumulative) or a histogram sum. The whole set of cells is what SQLite stores
/// in `aggregates`, so counters continue across restarts and never depend on history rows.
public struct AggregateCell: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case finished, failures, duration, queueWait = "queue_wait", firstAudio = "first_audio", registered
        /// Ids that expired without the gateway ever returning them, by registration source.
        case neverSeen = "never_seen"
    }

    public var kind: Kind
    /// "" for cells without an action (registered, never seen).
    public var action: String
    /// The bounded model label ("" for registered, never seen).
    public var model: String
    /// outcome, reason class or source; "" when the kind has none.
    public var label: String
    /// `counterSlot` for counters, `sumSlot` for a histogram sum, else the bucket index.
    public var slot: Int

    public static let counterSlot = -1
    public static let sumSlot = -2

    public init(kind: Kind, action: String = "", model: String = "", label: String = "", slot: Int = counterSlot) {
        self.kind = kind
        self.action = action
        self.model = model
        self.label = label
        self.slot = slot
    }
}

/// Additions to aggregate cells, accumulated over one batch and committed with it.
public struct AggregateDeltas: Sendable, Equatable {
    public private(set) var values: [AggregateCell: Double] = [:]
    /// Latest exemplar per duration bucket cell (not persisted: exemplars describe recent tasks).
    public private(set) var exemplars: [AggregateCell: Exemplar] = [:]

    public init() {}

    public var isEmpty: Bool { values.isEmpty }

    public mutating func add(_ cell: AggregateCell, _ amount: Double = 1) {
        values[cell, default: 0] += amount
    }

    public mutating func merge(_ other: AggregateDeltas) {
        for (cell, value) in other.values { values[cell, default: 0] += value }
        exemplars.merge(other.exemplars) { _, new in new }
    }

    /// Turns lifecycle events of one task into cell additions.
    public mutating func record(
        _ event: TaskEvent, action: TaskAction, model: String, taskID: String, now: Double
    ) {
        let a = action.rawValue
        switch event {
        case .finished(let outcome, let seconds, let reason):
            add(AggregateCell(kind: .finished, action: a, model: model, label: outcome.rawValue))
            let bucket = Self.durationTemplate.bucketIndex(for: seconds)
            let cell = AggregateCell(kind: .duration, action: a, model: model, label: outcome.rawValue, slot: bucket)
            add(cell)
            add(
                AggregateCell(
                    kind: .duration, action: a, model: model, label: outcome.rawValue, slot: AggregateCell.sumSlot),
                seconds)
            exemplars[cell] = Exemplar(labels: [Label("task_id", taskID)], value: seconds, timestamp: now)
            if let reason {
                add(AggregateCell(kind: .failures, action: a, model: model, label: reason.rawValue))
            }
        case .queueWait(let seconds):
            observe(.queueWait, action: a, model: model, seconds: seconds)
        case .firstAudio(let seconds):
            observe(.firstAudio, action: a, model: model, seconds: seconds)
        }
    }

    public mutating func recordRegistration(source: String, count: Int = 1) {
        guard count > 0 else { return }
        add(AggregateCell(kind: .registered, label: source), Double(count))
    }

    /// An id that expired without ever being returned by the gateway.
    public mutating func recordNeverSeen(source: RegistrationSource) {
        add(AggregateCell(kind: .neverSeen, label: source.rawValue))
    }

    private mutating func observe(_ kind: AggregateCell.Kind, action: String, model: String, seconds: Double) {
        add(
            AggregateCell(
                kind: kind, action: action, model: model, slot: Self.durationTemplate.bucketIndex(for: seconds)))
        add(AggregateCell(kind: kind, action: action, model: model, slot: AggregateCell.sumSlot), seconds)
    }

    static let durationTemplate = Histogram(upperBounds: Histogram.durationBuckets)
}

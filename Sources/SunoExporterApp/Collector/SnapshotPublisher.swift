import SunoExporterCore
import SunoStore
import Synchronization

/// Builds, renders and holds the metrics snapshot that `/metrics` serves.
///
/// Publishing reads only O(series) rows (aggregates, grouped active tasks, ≤1440 rollup minutes)
/// from a reader connection, renders both formats and gzips them once; a scrape then only hands
/// out ready bytes and never touches SQLite. When the store cannot be read, the snapshot is built
/// from the last store inputs that could (with fresh self-metrics, the store errors included).
public final class SnapshotPublisher: Sendable {
    let store: TaskStore
    let state: ExporterState
    let recorder: SelfMetricsRecorder
    let policy: LifecyclePolicy
    let buildInfo: BuildInfo
    let extraFamilies: @Sendable () -> [MetricFamily]
    /// The snapshot scrapes see, and the number of the publish that built it.
    private let current: Mutex<(exposition: RenderedExposition, generation: UInt64)>
    /// Numbers publishes in the order they start (not by wall clock, which may step back).
    private let generations = Atomic<UInt64>(0)
    /// What the store gave the last time it could be read.
    private let lastStoreInputs = Mutex<StoreInputs?>(nil)
    /// Where `publishInBackground` builds snapshots: SQLite reads and rendering, off Swift's pool
    /// and behind the HTTP threads when the CPU is short (it holds no lock they wait for but the
    /// swap of the finished snapshot).
    private let thread = WorkerThread(name: "suno-snapshot", niceness: 5)

    /// The part of a snapshot read from SQLite.
    struct StoreInputs: Sendable {
        var aggregates: [AggregateCell: Double]
        var groups: [ActiveGroup]
        var failureWindows: [FailureWindow]
    }

    public init(
        store: TaskStore, state: ExporterState, recorder: SelfMetricsRecorder, policy: LifecyclePolicy,
        buildInfo: BuildInfo, extraFamilies: @escaping @Sendable () -> [MetricFamily] = { [] }
    ) {
        self.store = store
        self.state = state
        self.recorder = recorder
        self.policy = policy
        self.buildInfo = buildInfo
        self.extraFamilies = extraFamilies
        self.current = Mutex((RenderedExposition(families: []), 0))
    }

    /// How many publishes have started since the process began.
    public var publishCount: UInt64 { generations.load(ordering: .relaxed) }

    /// The latest rendered snapshot (what a scrape serves).
    public var exposition: RenderedExposition { current.withLock { $0.exposition } }

    /// The families of a fresh snapshot (no rendering), for tests and the landing page. Throws
    /// only when the store cannot be read and was never read before.
    public func families(now: Double) throws -> [MetricFamily] {
        let inputs: StoreInputs
        do {
            inputs = try readStore(now: now)
            lastStoreInputs.withLock { $0 = inputs }
        } catch {
            guard let last = lastStoreInputs.withLock({ $0 }) else { throw error }
            inputs = last
        }
        var input = CatalogueInput(
            aggregates: inputs.aggregates,
            exemplars: state.exemplars.withLock { $0 },
            groups: inputs.groups,
            failureWindows: inputs.failureWindows,
            labeler: state.labeler.withLock { $0 },
            selfMetrics: recorder.snapshot,
            storeSizeBytes: Double(store.sizeBytes()),
            buildInfo: buildInfo)
        input.storeErrors = store.health.errorCounts.mapValues(Double.init)
        return MetricsCatalogue.families(input) + extraFamilies()
    }

    private func readStore(now: Double) throws -> StoreInputs {
        StoreInputs(
            aggregates: try store.aggregates(),
            groups: try store.activeGroups(now: now, policy: policy),
            failureWindows: try MetricsCatalogue.failureWindows.flatMap { window in
                try store.finishCounts(since: now - window.seconds, window: window.name)
            })
    }

    /// Builds and renders a new snapshot on the caller's thread and makes it the one scrapes see,
    /// unless a publish that started later got there first (a cycle's publish and an API-triggered
    /// one may overlap).
    public func publish(now: Double) throws {
        let generation = generations.add(1, ordering: .relaxed).newValue
        let rendered = RenderedExposition(families: try families(now: now))
        current.withLock { current in
            guard generation > current.generation else { return }
            current = (rendered, generation)
        }
    }

    /// `publish` on the snapshot's own thread, for callers on Swift's cooperative pool.
    public func publishInBackground(now: Double) async throws {
        try await thread.run { try self.publish(now: now) }
    }
}

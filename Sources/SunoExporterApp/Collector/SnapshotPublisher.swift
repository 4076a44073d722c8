import SunoExporterCore
import SunoStore
import Synchronization

/// Builds, renders and holds the metrics snapshot that `/metrics` serves.
///
/// Publishing reads only O(series) rows (aggregates, grouped active tasks, ≤1440 rollup minutes),
/// renders both formats and gzips them once; a scrape then only hands out ready bytes.
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

    /// The families of a fresh snapshot (no rendering), for tests and the landing page.
    public func families(now: Double) throws -> [MetricFamily] {
        let aggregates = try store.aggregates()
        let groups = try store.activeGroups(now: now, policy: policy)
        let windows = try MetricsCatalogue.failureWindows.flatMap { window in
            try store.finishCounts(since: now - window.seconds, window: window.name)
        }
        let input = CatalogueInput(
            aggregates: aggregates,
            exemplars: state.exemplars.withLock { $0 },
            groups: groups,
            failureWindows: windows,
            labeler: state.labeler.withLock { $0 },
            selfMetrics: recorder.snapshot,
            storeSizeBytes: Double(store.sizeBytes()),
            buildInfo: buildInfo)
        return MetricsCatalogue.families(input) + extraFamilies()
    }

    /// Builds and renders a new snapshot and makes it the one scrapes see, unless a publish that
    /// started later got there first (a cycle's publish and an API-triggered one may overlap).
    public func publish(now: Double) throws {
        let generation = generations.add(1, ordering: .relaxed).newValue
        let rendered = RenderedExposition(families: try families(now: now))
        current.withLock { current in
            guard generation > current.generation else { return }
            current = (rendered, generation)
        }
    }
}

import SunoExporterCore
import SunoStore
import Synchronization

/// State shared by the collector, the snapshot publisher and the HTTP routes.
public final class ExporterState: Sendable {
    /// Bounded model labels; admissions are persisted by the collector with the batch that made them.
    public let labeler: Mutex<ModelLabeler>
    /// Latest exemplar per duration bucket (in memory: exemplars describe recent tasks only).
    public let exemplars = Mutex<[AggregateCell: Exemplar]>([:])
    /// Set when the first collector cycle has ended (`/-/ready`).
    public let firstCycleDone = Atomic<Bool>(false)
    /// The store's view of its storage (`/-/ready`), when there is a store.
    let storeHealth: StoreHealth?

    public init(maxModels: Int, admittedModels: [String], storeHealth: StoreHealth? = nil) {
        labeler = Mutex(ModelLabeler(maxModels: maxModels, admitted: admittedModels))
        self.storeHealth = storeHealth
    }

    /// Why the exporter is not ready because of its store (writes or snapshot reads failing), or nil.
    public var storeProblem: String? { storeHealth?.problem }
}

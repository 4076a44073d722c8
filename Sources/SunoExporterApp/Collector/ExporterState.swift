import SunoExporterCore
import Synchronization

/// State shared by the collector, the snapshot publisher and the HTTP routes.
public final class ExporterState: Sendable {
    /// Bounded model labels; admissions are persisted by the collector with the batch that made them.
    public let labeler: Mutex<ModelLabeler>
    /// Latest exemplar per duration bucket (in memory: exemplars describe recent tasks only).
    public let exemplars = Mutex<[AggregateCell: Exemplar]>([:])
    /// Set when the first collector cycle has ended (`/-/ready`).
    public let firstCycleDone = Atomic<Bool>(false)

    public init(maxModels: Int, admittedModels: [String]) {
        labeler = Mutex(ModelLabeler(maxModels: maxModels, admitted: admittedModels))
    }
}

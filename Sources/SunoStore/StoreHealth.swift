import Logging
import SunoExporterCore
import Synchronization

/// What the store's operations say about the storage: failures counted by operation, and whether
/// writes (and snapshot reads) work right now.
///
/// A failing write (disk full, file locked, read-only, damaged) marks the store failing until a
/// probe write finds room again (`TaskStore.probeWrite`); a failing read of the watch list or of
/// snapshot inputs marks it failing until such a read succeeds. Each change is logged once (failing, a different problem, recovered),
/// never once per batch.
public final class StoreHealth: Sendable {
    private let state = Mutex(State())
    private let logger: Logger

    struct State {
        var errors: [StoreOperation: Int] = [:]
        /// The failing run of each kind of operation, if any.
        var failing: [Kind: Failure] = [:]
    }

    /// Operations that fail and recover together.
    enum Kind {
        /// Every write.
        case write
        /// The collector's and the snapshot's reads: what the metrics are made of.
        case metricsRead
        /// The API's reads.
        case read

        init(_ operation: StoreOperation) {
            if operation.isWrite {
                self = .write
            } else {
                self = operation == .read ? .read : .metricsRead
            }
        }

        var noun: String {
            switch self {
            case .write: "store writes"
            case .metricsRead: "store reads for metrics"
            case .read: "store reads"
            }
        }
    }

    /// The latest failure of a run of failures.
    public struct Failure: Sendable, Equatable {
        public var operation: StoreOperation
        public var failure: StorageFailure
    }

    init(logger: Logger) {
        self.logger = logger
    }

    /// Failed operations since the process started.
    public var errorCounts: [StoreOperation: Int] { state.withLock { $0.errors } }

    /// Why the exporter should not count as ready, or nil when the store works. API reads do not
    /// count: a failing page of the task list says nothing about the metrics.
    public var problem: String? {
        state.withLock { state in
            if let write = state.failing[.write] {
                return "store writes failing (\(write.failure.summary), last in \(write.operation.rawValue))"
            }
            if let read = state.failing[.metricsRead] {
                return "store reads failing (\(read.failure.summary), last in \(read.operation.rawValue)); "
                    + "serving the last good snapshot"
            }
            return nil
        }
    }

    /// Whether the last write failed.
    public var writesFailing: Bool { state.withLock { $0.failing[.write] != nil } }

    /// Runs `body` as `operation`, recording how it went.
    func track<T>(_ operation: StoreOperation, _ body: () throws -> T) throws -> T {
        do {
            let result = try body()
            succeeded(operation)
            return result
        } catch {
            failed(operation, error)
            throw error
        }
    }

    func succeeded(_ operation: StoreOperation) {
        let kind = Kind(operation)
        // Failing writes end with a probe that found room (`TaskStore.probeWrite`), not with a
        // small write that happened to fit.
        if kind == .write, operation != .probe { return }
        let recovered = state.withLock { state in state.failing.removeValue(forKey: kind) }
        if let recovered {
            logger.notice(
                "\(kind.noun) work again",
                metadata: ["op": "\(operation.rawValue)", "was": "\(recovered.failure.summary)"])
        }
    }

    func failed(_ operation: StoreOperation, _ error: any Error) {
        let kind = Kind(operation)
        let failure = StorageFailure(error)
        let changed = state.withLock { state -> Bool in
            state.errors[operation, default: 0] += 1
            let changed = state.failing[kind]?.failure.group != failure.group
            state.failing[kind] = Failure(operation: operation, failure: failure)
            return changed
        }
        // Once per change: the first failure of a run, or a different problem.
        guard changed else { return }
        logger.error(
            "\(kind.noun) failing",
            metadata: ["op": "\(operation.rawValue)", "reason": "\(failure.summary)", "error": "\(error)"])
    }
}

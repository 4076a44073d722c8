import Logging
import SunoExporterCore
import Synchronization

/// Logs each set-aside task item (or dropped field) once per task and reason, at warning level; the
/// same problem seen again on later polls goes to debug. A task whose answer stays bad is polled every
/// cycle for as long as it is watched, and one line per poll would bury everything else; the count of
/// every occurrence is in `suno_upstream_items_rejected_total`.
final class ItemRejectionLog: Sendable {
    /// Remembered (task, reason) pairs; forgotten all at once when full, so memory stays bounded whatever
    /// the gateway sends (a forgotten pair is logged once more).
    static let capacity = 10_000

    private let seen = Mutex<Set<String>>([])

    /// True the first time `rejection`'s task and reason are seen (since the last reset).
    func isFirst(_ rejection: ItemRejection) -> Bool {
        let key = "\(rejection.reason.rawValue)\u{0}\(rejection.taskID)"
        return seen.withLock { seen in
            if seen.count >= Self.capacity { seen.removeAll(keepingCapacity: true) }
            return seen.insert(key).inserted
        }
    }
}

extension GatewayClient {
    /// Counts and logs the items (or fields) a decoded answer set aside.
    func report(_ rejections: [ItemRejection], endpoint: String) {
        guard !rejections.isEmpty else { return }
        onRejectedItems(rejections)
        for rejection in rejections {
            let metadata: Logger.Metadata = [
                "upstream.endpoint": "\(endpoint)", "task.id": "\(redacted(rejection.taskID))",
                "reason": "\(rejection.reason.rawValue)", "detail": "\(redacted(rejection.detail))",
            ]
            let message =
                rejection.keptItem
                ? "gateway task item field ignored, rest of the item used"
                : "gateway task item set aside, rest of the answer used"
            if rejectionLog.isFirst(rejection) {
                logger.warning("\(message)", metadata: metadata)
            } else {
                logger.debug("\(message)", metadata: metadata)
            }
        }
    }
}

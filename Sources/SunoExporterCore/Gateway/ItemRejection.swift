/// A task item of a gateway answer, or one field of it, that the decoder could not use.
///
/// One bad item must not cost the rest of its batch: before, `"start_time": 1e300` in one item rejected
/// the whole answer, so every task polled in the same batch stayed unchanged for as long as that task was
/// watched. Now the item (or only its field) is set aside with one of these, and the rest is decoded.
public struct ItemRejection: Sendable, Equatable, CustomStringConvertible {
    /// Why; the `reason` label of `suno_upstream_items_rejected_total`.
    public enum Reason: String, Sendable, CaseIterable {
        /// A member has a JSON type no gateway sends (`"status": 5`): the item is skipped.
        case wrongType = "wrong_type"
        /// An element of `data` is not an object (`[5]`): it is skipped.
        case notAnObject = "not_an_object"
        /// The item has no non-empty string `task_id`: nothing can be tracked under it, it is skipped.
        case missingID = "missing_id"
        /// A time that is no Unix time (`1e300`, `"yesterday"`): that field is ignored (left unset, so the
        /// last known value stays) and the rest of the item is used.
        case unusableTime = "unusable_time"
    }

    public var reason: Reason
    /// The item's task id, "" when it has no usable one.
    public var taskID: String
    /// What was wrong, safe to log: names the member and quotes at most a short, printable excerpt.
    public var detail: String

    public init(reason: Reason, taskID: String, detail: String) {
        self.reason = reason
        self.taskID = taskID
        self.detail = detail
    }

    /// True when only a field was dropped and the item itself was kept.
    public var keptItem: Bool { reason == .unusableTime }

    public var description: String {
        taskID.isEmpty ? detail : "task \(taskID.truncated(toUTF8Bytes: 80)): \(detail)"
    }
}

/// A decoded `POST /suno/fetch` answer: the usable items and what was set aside.
public struct FetchAnswer: Sendable, Equatable {
    /// In gateway order, unique by task id (see `GatewayDecoder.decodeFetchAnswer(_:)`).
    public var items: [TaskObservation]
    public var rejections: [ItemRejection]

    public init(items: [TaskObservation], rejections: [ItemRejection]) {
        self.items = items
        self.rejections = rejections
    }
}

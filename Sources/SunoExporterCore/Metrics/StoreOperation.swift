/// What the exporter asked of its SQLite store: the `op` label of `suno_store_errors_total`.
public enum StoreOperation: String, Sendable, CaseIterable, Hashable {
    // Writes: while the last one failed, the exporter is not ready.
    case register, forget, hook, poll, flush, prune
    /// The small write tried at the end of a cycle that wrote nothing while writes were failing.
    case probe
    // Reads.
    /// The API, landing page and `tasks` reads.
    case read
    /// The collector's reads of the watch list: while the last one failed, the exporter is not ready.
    case watchList = "watch_list"
    /// The reads a metrics snapshot is built from: while the last one failed, scrapes get the
    /// last good snapshot and the exporter is not ready.
    case snapshot

    public var isWrite: Bool { self != .read && self != .watchList && self != .snapshot }
}

import SunoExporterCore

/// Where the collector gets task statuses from: the gateway in production, a fake in unit tests.
public protocol TaskStatusSource: Sendable {
    /// The current items of `ids`, all of one `action`, in the source's order. Unknown ids are
    /// simply absent (COMETAPI.md §3); duplicates come back once.
    func fetch(ids: [String], action: TaskAction) async throws(UpstreamError) -> [TaskObservation]
}

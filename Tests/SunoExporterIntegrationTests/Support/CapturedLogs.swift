import Logging
import Synchronization

/// Collects rendered log lines in memory, to assert on what an operator would read.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func clear() { lines.withLock { $0.removeAll() } }

    var logger: Logger {
        Logger(label: "captured") { label in
            CapturingHandler(label: label, sink: self)
        }
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }
}

private struct CapturingHandler: LogHandler {
    let label: String
    let sink: CapturedLogs
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
        sink.append("level=\(event.level) msg=\"\(event.message)\" \(fields)")
    }
}

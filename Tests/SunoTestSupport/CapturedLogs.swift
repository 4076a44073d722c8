import Logging

/// Collects rendered log lines (with metadata and any error) in memory, to assert on what an operator
/// would read, such as "the key never appears".
package final class CapturedLogs: Sendable {
    private let lines = Recorder<String>()

    package init() {}

    package var all: [String] { lines.values }

    package func clear() { lines.removeAll() }

    package var logger: Logger {
        Logger(label: "captured") { label in
            CapturingHandler(label: label, sink: self)
        }
    }

    fileprivate func append(_ line: String) { lines.append(line) }
}

private struct CapturingHandler: LogHandler {
    package let label: String
    package let sink: CapturedLogs
    package var logLevel: Logger.Level = .trace
    package var metadata: Logger.Metadata = [:]

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        sink.append("level=\(event.level) msg=\"\(event.message)\" \(fields)\(error)")
    }
}

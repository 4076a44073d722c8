import Foundation
import Logging
import SunoExporterCore

/// The two log formats of `--log.format`.
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}

/// A swift-log handler writing one line per event to stderr, as logfmt or JSON, in the style of
/// Prometheus' own exporters: `ts=… level=info msg="…" key=value`.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let format: LogFormat
    let write: @Sendable (String) -> Void

    public init(
        label: String, level: Logger.Level, format: LogFormat,
        write: @escaping @Sendable (String) -> Void = LineLogHandler.stderr
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.write = write
    }

    public static let stderr: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        var fields: [(String, String)] = [
            ("ts", timestamp), ("level", event.level.shortName), ("logger", label), ("msg", event.message.description),
        ]
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        write(Self.line(fields, format: format))
    }

    static func line(_ fields: [(String, String)], format: LogFormat) -> String {
        switch format {
        case .logfmt:
            return fields.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ") + "\n"
        case .json:
            let members = fields.map { JSONText.literal($0.0) + ":" + JSONText.literal($0.1) }
            return "{" + members.joined(separator: ",") + "}\n"
        }
    }

    /// A logfmt value: bare when it is plain text, else quoted with `\\`, `\"`, `\n`, `\r`, `\t` and
    /// `\u00XX` escapes. Log values carry the gateway's and clients' text (fail reasons, model names, ids),
    /// so no character may end the line early or reach a terminal as a control sequence: every C0 and C1
    /// control, DEL and the Unicode line and paragraph separators are escaped.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || isControl($0) }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// C0 and C1 controls, DEL, and the line and paragraph separators U+2028 and U+2029.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
            || scalar.value == 0x2029
    }
}

extension Logger.Level {
    var shortName: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "info"
        case .warning: "warn"
        case .error: "error"
        case .critical: "error"
        }
    }
}

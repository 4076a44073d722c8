/// A small, strict reader of the two exposition formats, written for the round-trip fuzz target and
/// independent of the renderers: it follows the format documents (Prometheus text 0.0.4, OpenMetrics
/// 1.0), not the code that writes them. It accepts exactly what a renderer may write and reports the
/// first thing that is not.
enum ExpositionReader {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    struct Exemplar {
        var labels: [ReadLabel]
        var value: Double
        var timestamp: Double?
    }

    struct ReadLabel {
        var name: String
        /// The unescaped value, as bytes: equality must be byte equality, not Unicode equivalence.
        var value: [UInt8]
    }

    struct Sample {
        var name: String
        var labels: [ReadLabel]
        var value: Double
        var exemplar: Exemplar?
    }

    enum Line {
        /// `# HELP`, `# TYPE` or `# UNIT`: the keyword, the metric name, and the rest (unescaped for HELP).
        case metadata(keyword: String, name: String, text: [UInt8])
        case sample(Sample)
        case endOfFile
    }

    static func read(_ bytes: [UInt8], openMetrics: Bool) throws(ReadError) -> [Line] {
        guard bytes.last == UInt8(ascii: "\n") || bytes.isEmpty else {
            throw ReadError(description: "no final newline")
        }
        var lines: [Line] = []
        for (number, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .dropLast().enumerated()
        {
            var cursor = Cursor(bytes: Array(raw), line: number + 1)
            if lines.last.map({ if case .endOfFile = $0 { true } else { false } }) == true {
                throw cursor.error("line after # EOF")
            }
            lines.append(try readLine(&cursor, openMetrics: openMetrics))
        }
        return lines
    }

    static func readLine(_ cursor: inout Cursor, openMetrics: Bool) throws(ReadError) -> Line {
        if cursor.peek == UInt8(ascii: "#") {
            if openMetrics && cursor.bytes == Array("# EOF".utf8) { return .endOfFile }
            try cursor.expect("# ")
            let keyword = String(decoding: cursor.take { $0 != UInt8(ascii: " ") }, as: UTF8.self)
            guard ["HELP", "TYPE", "UNIT"].contains(keyword), openMetrics || keyword != "UNIT" else {
                throw cursor.error("unknown comment \(keyword)")
            }
            try cursor.expect(" ")
            let name = try cursor.metricName()
            try cursor.expect(" ")
            var text = cursor.rest()
            if keyword == "HELP" {
                text = try unescape(text, quotes: openMetrics, cursor: cursor)
            }
            return .metadata(keyword: keyword, name: name, text: text)
        }
        let name = try cursor.metricName()
        let labels = cursor.peek == UInt8(ascii: "{") ? try cursor.labelSet() : []
        try cursor.expect(" ")
        let value = try cursor.number()
        var exemplar: Exemplar?
        if openMetrics && !cursor.isAtEnd {
            try cursor.expect(" # ")
            let exemplarLabels = try cursor.labelSet()
            try cursor.expect(" ")
            let exemplarValue = try cursor.number()
            var timestamp: Double?
            if !cursor.isAtEnd {
                try cursor.expect(" ")
                timestamp = try cursor.number()
            }
            exemplar = Exemplar(labels: exemplarLabels, value: exemplarValue, timestamp: timestamp)
        }
        guard cursor.isAtEnd else { throw cursor.error("unexpected bytes after the sample") }
        return .sample(Sample(name: name, labels: labels, value: value, exemplar: exemplar))
    }

    /// Escapes of HELP text: `\\` and `\n` in both formats, `\"` in OpenMetrics; nothing else may follow
    /// a backslash.
    static func unescape(_ bytes: [UInt8], quotes: Bool, cursor: Cursor) throws(ReadError) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\") else {
                out.append(bytes[index])
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { throw cursor.error("backslash at the end of an escaped text") }
            switch bytes[index + 1] {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "\"") where quotes: out.append(UInt8(ascii: "\""))
            default: throw cursor.error("unknown escape \\\(Character(Unicode.Scalar(bytes[index + 1])))")
            }
            index += 2
        }
        return out
    }

    struct Cursor {
        let bytes: [UInt8]
        let line: Int
        var index = 0

        init(bytes: [UInt8], line: Int) {
            self.bytes = bytes
            self.line = line
        }

        var isAtEnd: Bool { index >= bytes.count }
        var peek: UInt8? { isAtEnd ? nil : bytes[index] }

        func error(_ reason: String) -> ReadError {
            let shown = String(decoding: bytes.prefix(160), as: UTF8.self).debugDescription
            return ReadError(description: "line \(line), byte \(index): \(reason) in \(shown)")
        }

        mutating func expect(_ literal: String) throws(ReadError) {
            let expected = Array(literal.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected
            else { throw error("expected \(literal.debugDescription)") }
            index += expected.count
        }

        mutating func take(while predicate: (UInt8) -> Bool) -> [UInt8] {
            let start = index
            while index < bytes.count, predicate(bytes[index]) { index += 1 }
            return Array(bytes[start..<index])
        }

        mutating func rest() -> [UInt8] {
            defer { index = bytes.count }
            return Array(bytes[index...])
        }

        static func isNameStart(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_")
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
        mutating func metricName() throws(ReadError) -> String {
            let isColon: (UInt8) -> Bool = { $0 == UInt8(ascii: ":") }
            guard let first = peek, Self.isNameStart(first) || isColon(first) else {
                throw error("expected a metric name")
            }
            return String(decoding: take { Self.isNameStart($0) || Self.isDigit($0) || isColon($0) }, as: UTF8.self)
        }

        /// `[a-zA-Z_][a-zA-Z0-9_]*`
        mutating func labelName() throws(ReadError) -> String {
            guard let first = peek, Self.isNameStart(first) else { throw error("expected a label name") }
            return String(decoding: take { Self.isNameStart($0) || Self.isDigit($0) }, as: UTF8.self)
        }

        /// `{name="value",…}`; `{}` is allowed (OpenMetrics exemplars without labels).
        mutating func labelSet() throws(ReadError) -> [ReadLabel] {
            try expect("{")
            var labels: [ReadLabel] = []
            while peek != UInt8(ascii: "}") {
                if !labels.isEmpty { try expect(",") }
                let name = try labelName()
                try expect("=\"")
                var value: [UInt8] = []
                while true {
                    guard let byte = peek else { throw error("unterminated label value") }
                    index += 1
                    if byte == UInt8(ascii: "\"") { break }
                    guard byte == UInt8(ascii: "\\") else {
                        value.append(byte)
                        continue
                    }
                    switch peek {
                    case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                    case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                    default: throw error("unknown escape in a label value")
                    }
                    index += 1
                }
                labels.append(ReadLabel(name: name, value: value))
            }
            try expect("}")
            return labels
        }

        /// A sample value as both formats write it: `+Inf`, `-Inf`, `NaN` or a decimal number (with an
        /// optional exponent); no hexadecimal, no `inf`/`nan` spellings.
        mutating func number() throws(ReadError) -> Double {
            let token = take { $0 != UInt8(ascii: " ") }
            let text = String(decoding: token, as: UTF8.self)
            switch text {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default: break
            }
            let allowed = token.allSatisfy {
                Self.isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "+")
            }
            guard allowed, let first = token.first, Self.isDigit(first) || first == UInt8(ascii: "-"),
                let value = Double(text)
            else { throw error("not a number: \(text.debugDescription)") }
            return value
        }
    }
}

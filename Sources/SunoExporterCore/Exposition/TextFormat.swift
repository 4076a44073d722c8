/// Renders families in the Prometheus text exposition format 0.0.4.
/// Families are sorted by name and series by labels, so the output is deterministic.
public enum TextFormat {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.count * 256)
        for family in families.sorted(by: { $0.name < $1.name }) {
            append(family, to: &out)
        }
        return out
    }

    static func append(_ family: MetricFamily, to out: inout [UInt8]) {
        out.append(contentsOf: "# HELP \(family.name) ".utf8)
        Escaping.appendHelp(family.help, to: &out)
        out.append(contentsOf: "\n# TYPE \(family.name) \(family.type.rawValue)\n".utf8)
        for series in family.sortedSeries {
            switch series.value {
            case .scalar(let value):
                appendSample(family.name, series.labels, value, to: &out)
            case .histogram(let histogram):
                let cumulative = histogram.cumulativeCounts
                for (index, bound) in histogram.upperBounds.enumerated() {
                    appendSample(
                        family.name + "_bucket", series.labels, Double(cumulative[index]),
                        le: SampleValue.format(bound), to: &out)
                }
                appendSample(family.name + "_bucket", series.labels, Double(histogram.count), le: "+Inf", to: &out)
                appendSample(family.name + "_sum", series.labels, histogram.sum, to: &out)
                appendSample(family.name + "_count", series.labels, Double(histogram.count), to: &out)
            }
        }
    }

    static func appendSample(
        _ name: String, _ labels: [Label], _ value: Double, le: String? = nil, to out: inout [UInt8]
    ) {
        out.append(contentsOf: name.utf8)
        Escaping.appendLabels(labels, le: le, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: SampleValue.format(value).utf8)
        out.append(UInt8(ascii: "\n"))
    }
}

/// Number formatting shared by both formats: Go-compatible `+Inf`, `-Inf`, `NaN`,
/// integers without a fraction, everything else in Swift's shortest round-trip form.
public enum SampleValue {
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// Escaping rules of the exposition formats.
public enum Escaping {
    /// Label values escape backslash, double quote and newline.
    public static func appendLabelValue(_ value: String, to out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: out.append(byte)
            }
        }
    }

    /// HELP text escapes backslash and newline.
    public static func appendHelp(_ help: String, to out: inout [UInt8]) {
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: out.append(byte)
            }
        }
    }

    /// `{a="x",le="5"}`; nothing at all when there are no labels.
    public static func appendLabels(_ labels: [Label], le: String? = nil, to out: inout [UInt8]) {
        if labels.isEmpty && le == nil { return }
        out.append(UInt8(ascii: "{"))
        var first = true
        for label in labels {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: label.name.utf8)
            out.append(contentsOf: "=\"".utf8)
            appendLabelValue(label.value, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if let le {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "le=\"\(le)\"".utf8)
        }
        out.append(UInt8(ascii: "}"))
    }
}

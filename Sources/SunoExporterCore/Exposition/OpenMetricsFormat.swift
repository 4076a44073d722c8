/// Renders families in the OpenMetrics 1.0 text format.
///
/// The same `[MetricFamily]` as `TextFormat`, in the same order (families by `name`, series by
/// labels), with the differences OpenMetrics requires:
/// - a counter family is declared under its base name (`suno_tasks_finished`), its samples keep
///   `_total`; metadata comes in the order the spec recommends: TYPE, UNIT, HELP;
/// - `# UNIT` is written when `family.unit` is set and the (base) name ends with `_<unit>`;
/// - HELP escapes `"` as well as `\` and newline (the spec's `escaped-string`);
/// - histogram `le` values are canonical numbers (`5.0`, `0.005`, `1e+06`, `+Inf`);
/// - a bucket carries its exemplar (` # {labels} value [timestamp]`) unless the exemplar's label
///   names and values exceed 128 code points, in which case it is dropped;
/// - `_count` and `_sum` are left out where OpenMetrics forbids a sum (NaN or negative sum,
///   negative bucket thresholds), the buckets stay;
/// - the exposition ends with `# EOF`.
public enum OpenMetricsFormat {
    public static let contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// The spec's limit on an exemplar's label set: names plus values, in code points.
    public static let maxExemplarLabelCodePoints = 128

    public static func render(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.count * 256 + 6)
        for family in families.sorted(by: { $0.name < $1.name }) {
            append(family, to: &out)
        }
        out.append(contentsOf: "# EOF\n".utf8)
        return out
    }

    /// The name a family is declared under: counters lose their `_total`.
    public static func baseName(of family: MetricFamily) -> String {
        guard family.type == .counter, family.name.hasSuffix("_total") else { return family.name }
        return String(family.name.dropLast("_total".count))
    }

    static func append(_ family: MetricFamily, to out: inout [UInt8]) {
        let base = baseName(of: family)
        out.append(contentsOf: "# TYPE \(base) \(family.type.rawValue)\n".utf8)
        if let unit = family.unit, !unit.isEmpty, base.hasSuffix("_" + unit) {
            out.append(contentsOf: "# UNIT \(base) \(unit)\n".utf8)
        }
        out.append(contentsOf: "# HELP \(base) ".utf8)
        // OpenMetrics' escaped-string: the same three escapes as a label value.
        Escaping.appendLabelValue(family.help, to: &out)
        out.append(UInt8(ascii: "\n"))

        for series in family.sortedSeries {
            switch series.value {
            case .scalar(let value):
                let name = family.type == .counter ? base + "_total" : base
                appendSample(name, series.labels, SampleValue.format(value), to: &out)
            case .histogram(let histogram):
                appendHistogram(base, series.labels, histogram, to: &out)
            }
        }
    }

    static func appendHistogram(_ base: String, _ labels: [Label], _ histogram: Histogram, to out: inout [UInt8]) {
        let cumulative = histogram.cumulativeCounts
        let bucketName = base + "_bucket"
        for (index, bound) in histogram.upperBounds.enumerated() {
            appendSample(
                bucketName, labels, SampleValue.format(Double(cumulative[index])), le: canonicalNumber(bound),
                exemplar: histogram.exemplars[index], to: &out)
        }
        let count = histogram.count
        appendSample(
            bucketName, labels, SampleValue.format(Double(count)), le: "+Inf",
            exemplar: histogram.exemplars[histogram.upperBounds.count], to: &out)
        // "Negative threshold buckets MAY be used, but then the Histogram MetricPoint MUST NOT contain
        // a sum value"; a sum is a counter, so never NaN or negative either. Count goes with sum.
        let sumAllowed = !histogram.sum.isNaN && histogram.sum >= 0 && !histogram.upperBounds.contains { $0 < 0 }
        if sumAllowed {
            appendSample(base + "_count", labels, SampleValue.format(Double(count)), to: &out)
            appendSample(base + "_sum", labels, SampleValue.format(histogram.sum), to: &out)
        }
    }

    static func appendSample(
        _ name: String, _ labels: [Label], _ value: String, le: String? = nil, exemplar: Exemplar? = nil,
        to out: inout [UInt8]
    ) {
        out.append(contentsOf: name.utf8)
        Escaping.appendLabels(labels, le: le, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: value.utf8)
        if let exemplar, fits(exemplar) {
            out.append(contentsOf: " # ".utf8)
            // `{}` is valid for an exemplar without labels; appendLabels writes nothing for none.
            let sorted = exemplar.labels.sorted()
            if sorted.isEmpty { out.append(contentsOf: "{}".utf8) } else { Escaping.appendLabels(sorted, to: &out) }
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: SampleValue.format(exemplar.value).utf8)
            if let timestamp = exemplar.timestamp, timestamp.isFinite {
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: SampleValue.format(timestamp).utf8)
            }
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Whether an exemplar's label set is within the spec's 128 code points (names plus values).
    public static func fits(_ exemplar: Exemplar) -> Bool {
        var length = 0
        for label in exemplar.labels {
            length += label.name.unicodeScalars.count + label.value.unicodeScalars.count
        }
        return length <= maxExemplarLabelCodePoints
    }

    /// The canonical rendering of an `le` (or quantile) value: Go's `%g` (shortest digits, exponent
    /// below 1e-4 and from 1e+06 on), with `.0` appended when there is neither a point nor an
    /// exponent. So `5` → `5.0`, `0.005` → `0.005`, `100000` → `100000.0`, `1e6` → `1e+06`.
    /// This is what client_python's `floatToGoString` produces, and what the spec's examples show.
    public static func canonicalNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, pointPosition) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        let exponent = pointPosition - 1
        if exponent < -4 || exponent >= 6 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + String(digits.dropFirst()) }
            let magnitude = abs(exponent)
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        var text: String
        if pointPosition <= 0 {
            text = "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        } else if pointPosition >= digits.count {
            text = String(digits) + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        } else {
            text = String(digits.prefix(pointPosition)) + "." + String(digits.dropFirst(pointPosition))
        }
        return sign + text
    }

    /// The shortest round-trip decimal digits of a positive finite value (no leading or trailing
    /// zeros) and where the decimal point goes: value = 0.d₁d₂… × 10^pointPosition.
    /// Swift's `description` already is the shortest round-trip form; only its layout differs from Go's.
    static func shortestDigits(_ value: Double) -> (digits: [Character], pointPosition: Int) {
        let text = value.description  // "123.45", "1e-05", "1.2345e+20", "100000.0"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let integerPart = mantissa.prefix { $0 != "." }
        let fractionPart = mantissa.drop { $0 != "." }.dropFirst()
        var digits = Array(integerPart) + Array(fractionPart)
        var pointPosition = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return (["0"], 1) }
        return (digits, pointPosition)
    }
}

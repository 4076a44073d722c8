import SunoExporterCore

/// Render → read-back round trip of `/metrics` in both formats. The input describes up to three metric
/// families (counter, gauge or histogram; help text, label values and exemplar labels made of any
/// bytes, any sample values); each is rendered with `TextFormat` and `OpenMetricsFormat` and read back
/// with `ExpositionReader`. Every family, help text, type, unit, sample, label value (byte for byte),
/// bucket bound, value and exemplar must come back as documented:
/// - label values escape `\`, `"` and newline; HELP escapes `\` and newline (and `"` in OpenMetrics);
/// - a counter is declared under its name without `_total` in OpenMetrics;
/// - OpenMetrics leaves `_count`/`_sum` out when the sum is NaN or negative or a bound is negative, and
///   drops an exemplar whose label names and values exceed 128 code points;
/// - text that is not UTF-8 never reaches the renderers: Strings are made from bytes with U+FFFD
///   replacing ill-formed sequences, as everywhere in the exporter.
enum ExpositionFuzz {
    static let stems = ["suno_tasks", "a", "suno_gateway_request_duration", "x:y", "_z", "B9"]
    static let labelNames = ["action", "code", "endpoint", "model", "status", "task_id"]
    static let exemplarLabelNames = ["task_id", "trace_id"]

    static func run(_ bytes: [UInt8]) {
        var input = FuzzBytes(bytes)
        let families = makeFamilies(&input)
        for openMetrics in [false, true] {
            let rendered = openMetrics ? OpenMetricsFormat.render(families) : TextFormat.render(families)
            let lines: [ExpositionReader.Line]
            do { lines = try ExpositionReader.read(rendered, openMetrics: openMetrics) } catch {
                FuzzCheck.fail("\(openMetrics ? "OpenMetrics" : "text") output does not read back: \(error)")
            }
            compare(lines, families, openMetrics: openMetrics)
        }
    }

    // MARK: - Families from bytes

    static func makeFamilies(_ input: inout FuzzBytes) -> [MetricFamily] {
        (0..<input.int(in: 1...3)).map { index in
            let type = [MetricType.counter, .gauge, .histogram][input.int(in: 0...2)]
            var base = stems[input.int(in: 0...stems.count - 1)] + "_f\(index)"
            var unit: String?
            switch input.int(in: 0...2) {
            case 1:
                base += "_seconds"
                unit = "seconds"
            case 2: unit = "bytes"  // set, but the name does not end with it: no UNIT line
            default: break
            }
            let help = input.text(maxLength: 48)
            let series = (0..<input.int(in: 0...3)).map { _ in
                let labels = pickLabels(labelNames, &input, maxValueLength: 40)
                guard type == .histogram else { return Series(labels, input.double()) }
                return Series(labels: labels, value: .histogram(makeHistogram(&input)))
            }
            return MetricFamily(
                name: type == .counter ? base + "_total" : base, help: help, type: type, unit: unit, series: series)
        }
    }

    static func pickLabels(_ names: [String], _ input: inout FuzzBytes, maxValueLength: Int) -> [Label] {
        let mask = input.byte()
        return names.enumerated().compactMap { offset, name in
            mask & (1 << offset) == 0 ? nil : Label(name, input.text(maxLength: maxValueLength))
        }
    }

    static func makeHistogram(_ input: inout FuzzBytes) -> Histogram {
        var bounds: [Double] = []
        for _ in 0..<input.int(in: 0...4) {
            let bound = input.double()
            if bound.isFinite && !bounds.contains(bound) { bounds.append(bound) }
        }
        bounds.sort()
        // Counts stay within what a store of Int64 aggregates can hold summed over a dozen buckets.
        let counts = (0...bounds.count).map { _ in UInt64(UInt32(truncatingIfNeeded: input.uint64() >> 24)) }
        var histogram = Histogram(upperBounds: bounds, counts: counts, sum: input.double())
        for slot in 0...bounds.count where input.bool() {
            let labels = pickLabels(exemplarLabelNames, &input, maxValueLength: 140)
            let timestamp: Double? = input.bool() ? input.double() : nil
            histogram.setExemplar(Exemplar(labels: labels, value: input.double(), timestamp: timestamp), slot: slot)
        }
        return histogram
    }

    // MARK: - What must come back

    struct Expected {
        var name: String
        var labels: [Label]
        /// The bucket bound, for `_bucket` samples.
        var le: Double?
        var value: Double
        var exemplar: Exemplar?
    }

    static func metadata(_ family: MetricFamily, openMetrics: Bool) -> [(String, String, [UInt8])] {
        let help = Array(family.help.utf8)
        guard openMetrics else {
            return [("HELP", family.name, help), ("TYPE", family.name, Array(family.type.rawValue.utf8))]
        }
        let base = declaredName(family)
        var lines = [("TYPE", base, Array(family.type.rawValue.utf8))]
        if let unit = family.unit, base.hasSuffix("_" + unit) { lines.append(("UNIT", base, Array(unit.utf8))) }
        lines.append(("HELP", base, help))
        return lines
    }

    static func declaredName(_ family: MetricFamily) -> String {
        family.type == .counter && family.name.hasSuffix("_total") ? String(family.name.dropLast(6)) : family.name
    }

    static func expectedSamples(_ family: MetricFamily, openMetrics: Bool) -> [Expected] {
        let base = declaredName(family)
        return family.series.flatMap { series -> [Expected] in
            switch series.value {
            case .scalar(let value):
                return [Expected(name: family.name, labels: series.labels, value: value)]
            case .histogram(let histogram):
                var samples: [Expected] = []
                var running: UInt64 = 0
                for slot in 0...histogram.upperBounds.count {
                    running += histogram.counts[slot]
                    let le = slot < histogram.upperBounds.count ? histogram.upperBounds[slot] : .infinity
                    let exemplar = openMetrics ? histogram.exemplars[slot].flatMap(fittingExemplar) : nil
                    samples.append(
                        Expected(
                            name: base + "_bucket", labels: series.labels, le: le, value: Double(running),
                            exemplar: exemplar))
                }
                let negativeBound = histogram.upperBounds.contains { $0 < 0 }
                if !openMetrics || (!histogram.sum.isNaN && histogram.sum >= 0 && !negativeBound) {
                    samples.append(Expected(name: base + "_sum", labels: series.labels, value: histogram.sum))
                    samples.append(Expected(name: base + "_count", labels: series.labels, value: Double(running)))
                }
                return samples
            }
        }
    }

    /// The exemplar as it must be written: only when its label names and values fit in 128 code points,
    /// and without a timestamp that is not finite.
    static func fittingExemplar(_ exemplar: Exemplar) -> Exemplar? {
        let length = exemplar.labels.reduce(0) { $0 + $1.name.unicodeScalars.count + $1.value.unicodeScalars.count }
        guard length <= 128 else { return nil }
        var written = exemplar
        if let timestamp = exemplar.timestamp, !timestamp.isFinite { written.timestamp = nil }
        return written
    }

    // MARK: - Comparison

    static func compare(_ lines: [ExpositionReader.Line], _ families: [MetricFamily], openMetrics: Bool) {
        let format = openMetrics ? "OpenMetrics" : "text"
        var index = 0
        for family in families.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            for (keyword, name, text) in metadata(family, openMetrics: openMetrics) {
                guard index < lines.count, case .metadata(let readKeyword, let readName, let readText) = lines[index]
                else { FuzzCheck.fail("\(format): missing # \(keyword) \(name)") }
                FuzzCheck.require(
                    readKeyword == keyword && readName == name && readText == text,
                    "\(format): # \(readKeyword) \(readName) \(String(decoding: readText, as: UTF8.self).debugDescription)"
                        + " instead of # \(keyword) \(name) \(String(decoding: text, as: UTF8.self).debugDescription)")
                index += 1
            }
            var read: [ExpositionReader.Sample] = []
            while index < lines.count, case .sample(let sample) = lines[index] {
                read.append(sample)
                index += 1
            }
            compareSamples(read, expectedSamples(family, openMetrics: openMetrics), format: format)
        }
        if openMetrics {
            guard index < lines.count, case .endOfFile = lines[index] else { FuzzCheck.fail("OpenMetrics: no # EOF") }
            index += 1
        }
        FuzzCheck.require(index == lines.count, "\(format): \(lines.count - index) unexpected lines")
    }

    static func compareSamples(_ read: [ExpositionReader.Sample], _ expected: [Expected], format: String) {
        FuzzCheck.require(read.count == expected.count, "\(format): \(read.count) samples, expected \(expected.count)")
        // Keys are built once (they are long); series with the same labels (allowed here) are told apart
        // by their values.
        let sortedByKey: ([FlatSample]) -> [(key: [UInt8], sample: FlatSample)] = { samples in
            samples.map { (key($0), $0) }.sorted {
                $0.key != $1.key
                    ? $0.key.lexicographicallyPrecedes($1.key) : valueKey($0.sample.value) < valueKey($1.sample.value)
            }
        }
        let readSorted = sortedByKey(read.map(normalized))
        let expectedSorted = sortedByKey(expected.map(normalized))
        for ((gotKey, got), (wantKey, want)) in zip(readSorted, expectedSorted) {
            FuzzCheck.require(
                gotKey == wantKey && sameValue(got.value, want.value),
                "\(format): sample \(describe(got)) instead of \(describe(want))")
            switch (got.exemplar, want.exemplar) {
            case (nil, nil): break
            case (let gotExemplar?, let wantExemplar?):
                FuzzCheck.require(
                    sorted(gotExemplar.labels).elementsEqual(sorted(wantExemplar.labels), by: sameLabel)
                        && sameValue(gotExemplar.value, wantExemplar.value)
                        && (gotExemplar.timestamp == nil) == (wantExemplar.timestamp == nil)
                        && sameValue(gotExemplar.timestamp ?? 0, wantExemplar.timestamp ?? 0),
                    "\(format): exemplar of \(describe(got)) differs")
            default:
                FuzzCheck.fail(
                    "\(format): exemplar \(got.exemplar == nil ? "missing" : "unexpected") on \(describe(got))")
            }
        }
    }

    /// A sample with its `le` taken out of the labels and the label values as bytes, so read and expected
    /// samples compare field by field.
    struct FlatSample {
        var name: String
        var labels: [(String, [UInt8])]
        var le: Double?
        var value: Double
        var exemplar: Exemplar?
    }

    static func normalized(_ sample: ExpositionReader.Sample) -> FlatSample {
        let le = sample.labels.first { $0.name == "le" }.map { label -> Double in
            let text = String(decoding: label.value, as: UTF8.self)
            switch text {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            default:
                guard let value = Double(text), text.allSatisfy({ "0123456789.e+-".contains($0) }) else {
                    FuzzCheck.fail("le=\(text.debugDescription) is not a number")
                }
                return value
            }
        }
        let exemplar = sample.exemplar.map {
            Exemplar(
                labels: $0.labels.map { Label($0.name, String(decoding: $0.value, as: UTF8.self)) }, value: $0.value,
                timestamp: $0.timestamp)
        }
        return FlatSample(
            name: sample.name, labels: sample.labels.filter { $0.name != "le" }.map { ($0.name, $0.value) }, le: le,
            value: sample.value, exemplar: exemplar)
    }

    static func normalized(_ sample: Expected) -> FlatSample {
        FlatSample(
            name: sample.name, labels: sample.labels.map { ($0.name, Array($0.value.utf8)) }, le: sample.le,
            value: sample.value, exemplar: sample.exemplar)
    }

    /// Name, labels (each value with its length, so no value can imitate a separator) and bound.
    static func key(_ sample: FlatSample) -> [UInt8] {
        var key = Array(sample.name.utf8)
        for (name, value) in sample.labels {
            key.append(0)
            key += name.utf8
            key += unsafe withUnsafeBytes(of: UInt32(value.count).bigEndian, Array.init)
            key += value
        }
        key.append(0)
        key += (sample.le.map { $0 == 0 ? "0" : "\($0)" } ?? "-").utf8
        return key
    }

    static func valueKey(_ value: Double) -> String { value.isNaN ? "NaN" : value == 0 ? "0" : "\(value)" }

    static func sorted(_ labels: [Label]) -> [Label] {
        labels.sorted {
            $0.name != $1.name ? $0.name < $1.name : Array($0.value.utf8).lexicographicallyPrecedes($1.value.utf8)
        }
    }

    static func sameLabel(_ a: Label, _ b: Label) -> Bool {
        a.name == b.name && Array(a.value.utf8) == Array(b.value.utf8)
    }

    static func sameValue(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

    static func describe(_ sample: FlatSample) -> String {
        let labels = sample.labels.map { "\($0.0)=\(String(decoding: $0.1, as: UTF8.self).debugDescription)" }
        return "\(sample.name){\(labels.joined(separator: ","))} le=\(sample.le.map { "\($0)" } ?? "-") \(sample.value)"
    }
}

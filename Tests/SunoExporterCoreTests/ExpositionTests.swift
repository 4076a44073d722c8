import Foundation
import SunoExporterCore
import Testing

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
private func lines(_ bytes: [UInt8]) -> [String] { text(bytes).split(separator: "\n").map(String.init) }

@Suite struct ExpositionTests {
    // MARK: Escaping

    static let escapingFamily = MetricFamily(
        name: "suno_tasks_finished_total", help: "Back\\slash, \"quoted\"\nsecond line", type: .counter,
        series: [Series([Label("model", "chirp-\"x\\y\nz")], 2)])

    @Test func textEscapesLabelValuesAndHelp() {
        let out = lines(TextFormat.render([Self.escapingFamily]))
        #expect(
            out == [
                #"# HELP suno_tasks_finished_total Back\\slash, "quoted"\nsecond line"#,
                "# TYPE suno_tasks_finished_total counter",
                #"suno_tasks_finished_total{model="chirp-\"x\\y\nz"} 2"#,
            ])
    }

    @Test func openMetricsEscapesLabelValuesAndHelp() {
        let out = lines(OpenMetricsFormat.render([Self.escapingFamily]))
        #expect(
            out == [
                "# TYPE suno_tasks_finished counter",
                #"# HELP suno_tasks_finished Back\\slash, \"quoted\"\nsecond line"#,
                #"suno_tasks_finished_total{model="chirp-\"x\\y\nz"} 2"#,
                "# EOF",
            ])
    }

    // MARK: Naming and units

    @Test func countersAreBaseNamedInOpenMetricsOnly() {
        let families = [
            MetricFamily(
                name: "process_cpu_seconds_total", help: "CPU.", type: .counter, unit: "seconds",
                series: [Series([], 1.5)]),
            MetricFamily(
                name: "suno_store_size_bytes", help: "Size.", type: .gauge, unit: "bytes", series: [Series([], 3)]),
            // A unit the name does not end with is not declared.
            MetricFamily(name: "suno_tasks", help: "Tasks.", type: .gauge, unit: "seconds", series: [Series([], 1)]),
        ]
        #expect(
            lines(TextFormat.render(families)) == [
                "# HELP process_cpu_seconds_total CPU.", "# TYPE process_cpu_seconds_total counter",
                "process_cpu_seconds_total 1.5",
                "# HELP suno_store_size_bytes Size.", "# TYPE suno_store_size_bytes gauge", "suno_store_size_bytes 3",
                "# HELP suno_tasks Tasks.", "# TYPE suno_tasks gauge", "suno_tasks 1",
            ])
        #expect(
            lines(OpenMetricsFormat.render(families)) == [
                "# TYPE process_cpu_seconds counter", "# UNIT process_cpu_seconds seconds",
                "# HELP process_cpu_seconds CPU.", "process_cpu_seconds_total 1.5",
                "# TYPE suno_store_size_bytes gauge", "# UNIT suno_store_size_bytes bytes",
                "# HELP suno_store_size_bytes Size.", "suno_store_size_bytes 3",
                "# TYPE suno_tasks gauge", "# HELP suno_tasks Tasks.", "suno_tasks 1",
                "# EOF",
            ])
    }

    @Test func openMetricsEndsWithEOFEvenWhenEmpty() {
        #expect(text(OpenMetricsFormat.render([])) == "# EOF\n")
        #expect(TextFormat.render([]).isEmpty)
    }

    // MARK: Histograms

    /// Buckets 0.5, 1, 5 observing 0.1, 0.7, 0.9, 3, 10, plus one observation per exemplar (its value).
    static func histogramFamily(exemplars: [Exemplar] = [], sum: Double? = nil) -> MetricFamily {
        var h = Histogram(upperBounds: [0.5, 1, 5])
        for v in [0.1, 0.7, 0.9, 3, 10] { h.observe(v) }
        for exemplar in exemplars { h.observe(exemplar.value, exemplar: exemplar) }
        if let sum { h = Histogram(upperBounds: h.upperBounds, counts: h.counts, sum: sum) }
        return MetricFamily(
            name: "suno_task_queue_wait_seconds", help: "Wait.", type: .histogram, unit: "seconds",
            series: [Series(labels: [Label("action", "MUSIC")], value: .histogram(h))])
    }

    @Test func textHistogramIsCumulativeWithInfSumCount() {
        #expect(
            lines(TextFormat.render([Self.histogramFamily()])).dropFirst(2) == [
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="0.5"} 1"#,
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="1"} 3"#,
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="5"} 4"#,
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="+Inf"} 5"#,
                #"suno_task_queue_wait_seconds_sum{action="MUSIC"} 14.7"#,
                #"suno_task_queue_wait_seconds_count{action="MUSIC"} 5"#,
            ])
    }

    @Test func openMetricsHistogramHasCanonicalLeAndCountThenSum() {
        #expect(
            lines(OpenMetricsFormat.render([Self.histogramFamily()])) == [
                "# TYPE suno_task_queue_wait_seconds histogram",
                "# UNIT suno_task_queue_wait_seconds seconds",
                "# HELP suno_task_queue_wait_seconds Wait.",
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="0.5"} 1"#,
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="1.0"} 3"#,
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="5.0"} 4"#,
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="+Inf"} 5"#,
                #"suno_task_queue_wait_seconds_count{action="MUSIC"} 5"#,
                #"suno_task_queue_wait_seconds_sum{action="MUSIC"} 14.7"#,
                "# EOF",
            ])
    }

    @Test func openMetricsLeavesOutSumAndCountWhereForbidden() {
        let nanSum = lines(OpenMetricsFormat.render([Self.histogramFamily(sum: .nan)]))
        #expect(!nanSum.contains { $0.contains("_sum") || $0.contains("_count") })
        #expect(nanSum.contains(#"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="+Inf"} 5"#))
        // The text format has no such rule: NaN and infinities are spelled as Go does.
        let textLines = lines(TextFormat.render([Self.histogramFamily(sum: .nan)]))
        #expect(textLines.contains(#"suno_task_queue_wait_seconds_sum{action="MUSIC"} NaN"#))
        let infSum = lines(OpenMetricsFormat.render([Self.histogramFamily(sum: .infinity)]))
        #expect(infSum.contains(#"suno_task_queue_wait_seconds_sum{action="MUSIC"} +Inf"#))
    }

    @Test func specialValuesAreSpelledLikeGo() {
        let family = MetricFamily(
            name: "g", help: "", type: .gauge,
            series: [
                Series([Label("c", "a")], .nan), Series([Label("c", "b")], .infinity),
                Series([Label("c", "c")], -.infinity),
            ])
        for rendered in [TextFormat.render([family]), OpenMetricsFormat.render([family])] {
            let out = lines(rendered)
            #expect(out.contains(#"g{c="a"} NaN"#))
            #expect(out.contains(#"g{c="b"} +Inf"#))
            #expect(out.contains(#"g{c="c"} -Inf"#))
        }
    }

    @Test(
        arguments: [
            (0.0, "0.0"), (0.001, "0.001"), (0.002, "0.002"), (0.005, "0.005"), (0.01, "0.01"), (0.025, "0.025"),
            (0.1, "0.1"), (0.9, "0.9"), (0.95, "0.95"), (0.99, "0.99"), (0.999, "0.999"), (1.0, "1.0"), (1.7, "1.7"),
            (2.5, "2.5"), (10.0, "10.0"), (3600.0, "3600.0"), (1e-10, "1e-10"), (1e-09, "1e-09"), (1e-05, "1e-05"),
            (0.0001, "0.0001"), (100_000.0, "100000.0"), (123_456.0, "123456.0"), (1e+06, "1e+06"),
            (1_234_567.0, "1.234567e+06"), (1e+10, "1e+10"), (1e+100, "1e+100"), (1.5e-7, "1.5e-07"),
            (-2.5, "-2.5"), (-3.0, "-3.0"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
        ] as [(Double, String)])
    func canonicalNumbersFollowTheSpec(value: Double, expected: String) {
        #expect(OpenMetricsFormat.canonicalNumber(value) == expected)
    }

    // MARK: Exemplars

    @Test func exemplarsAreWrittenOnBucketsInOpenMetricsOnly() {
        let family = Self.histogramFamily(exemplars: [
            Exemplar(labels: [Label("task_id", "t-\"1\"")], value: 0.75),
            Exemplar(labels: [Label("task_id", "t2")], value: 42, timestamp: 1_764_400_000.5),
        ])
        let om = lines(OpenMetricsFormat.render([family]))
        #expect(
            om.contains(#"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="1.0"} 4 # {task_id="t-\"1\""} 0.75"#))
        #expect(
            om.contains(
                #"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="+Inf"} 7 # {task_id="t2"} 42 1764400000.5"#))
        #expect(om.contains(#"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="0.5"} 1"#))
        #expect(!text(TextFormat.render([family])).contains("task_id"))
    }

    @Test func exemplarsOverTheLimitAreDropped() {
        // 7 ("task_id") + 121 = 128 code points: kept; one more: dropped. Code points, not bytes.
        let atLimit = Exemplar(labels: [Label("task_id", String(repeating: "é", count: 121))], value: 0.2)
        let overLimit = Exemplar(labels: [Label("task_id", String(repeating: "x", count: 122))], value: 0.2)
        #expect(OpenMetricsFormat.fits(atLimit))
        #expect(!OpenMetricsFormat.fits(overLimit))
        let kept = lines(OpenMetricsFormat.render([Self.histogramFamily(exemplars: [atLimit])]))
        #expect(
            kept.contains {
                $0.hasPrefix(#"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="0.5"} 2 # {task_id=""#)
            })
        let dropped = lines(OpenMetricsFormat.render([Self.histogramFamily(exemplars: [overLimit])]))
        #expect(dropped.contains(#"suno_task_queue_wait_seconds_bucket{action="MUSIC",le="0.5"} 2"#))
    }

    // MARK: Order

    @Test func outputIsSortedAndDeterministic() {
        let families = GoldenSample.families
        let text1 = TextFormat.render(families)
        let om1 = OpenMetricsFormat.render(families)
        #expect(TextFormat.render(families.reversed()) == text1)
        #expect(OpenMetricsFormat.render(families.reversed()) == om1)
        let shuffled = families.map { family in
            var f = family
            f.series.reverse()
            return f
        }
        #expect(TextFormat.render(shuffled) == text1)
        #expect(OpenMetricsFormat.render(shuffled) == om1)
        let typeLines = lines(text1).filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(typeLines == typeLines.sorted())
        let omTypeOrder = lines(om1).filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        #expect(omTypeOrder.first == "process_cpu_seconds")
        #expect(omTypeOrder.count == typeLines.count)
    }

    // MARK: Golden files

    @Test(arguments: [("prom", ExpositionFormat.text), ("openmetrics", .openMetrics)])
    func renderedOutputMatchesGoldenFile(extension: String, format: ExpositionFormat) throws {
        let rendered =
            format == .text ? TextFormat.render(GoldenSample.families) : OpenMetricsFormat.render(GoldenSample.families)
        if ProcessInfo.processInfo.environment["SUNO_UPDATE_GOLDEN"] == "1" {
            // Regenerate in the source tree: SUNO_UPDATE_GOLDEN=1 swift test --filter ExpositionTests
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/golden-sample.\(`extension`)")
            try Data(rendered).write(to: source)
            return
        }
        let url = try #require(
            Bundle.module.url(forResource: "golden-sample", withExtension: `extension`, subdirectory: "Fixtures"))
        let golden = try [UInt8](Data(contentsOf: url))
        // Byte for byte (String equality would accept canonically equivalent text).
        let identical = rendered == golden
        let renderedLines = lines(rendered)
        let goldenLines = lines(golden)
        let firstDifference = zip(renderedLines, goldenLines).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            identical,
            """
            rendered \(`extension`) differs from Fixtures/golden-sample.\(`extension`) \
            (\(renderedLines.count) vs \(goldenLines.count) lines); first difference at line \
            \((firstDifference?.offset).map { String($0 + 1) } ?? "end"): \
            rendered \(firstDifference?.element.0 ?? "-") golden \(firstDifference?.element.1 ?? "-")
            """)
    }
}

@Suite struct ContentNegotiationTests {
    static let prometheus242 =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    static let prometheus3 =
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
        + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
        + "text/plain;version=0.0.4;q=0.2,*/*;q=0.1"

    @Test(
        arguments: [
            (nil, ExpositionFormat.text),
            ("", .text),
            ("*/*", .text),
            ("text/plain", .text),
            ("text/plain;version=0.0.4", .text),
            ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", .text),  // a browser
            ("application/openmetrics-text", .openMetrics),
            ("application/openmetrics-text;version=1.0.0", .openMetrics),
            ("application/openmetrics-text; version=\"1.0.0\"; charset=utf-8", .openMetrics),
            ("APPLICATION/OpenMetrics-Text;Version=1.0.0", .openMetrics),
            (prometheus242, .openMetrics),
            (prometheus3, .openMetrics),
            ("text/plain;version=0.0.4;q=1,*/*;q=0.1", .text),  // Prometheus scraping text only
            // Unsupported OpenMetrics versions are ignored.
            ("application/openmetrics-text;version=0.0.1", .text),
            ("application/openmetrics-text;version=2.0.0", .text),
            ("application/openmetrics-text;version=0.0.1,*/*;q=0.1", .text),
            // q-values.
            ("application/openmetrics-text;q=0", .text),
            ("application/openmetrics-text;q=0,*/*", .text),
            ("text/plain;q=0.5,application/openmetrics-text;q=0.6", .openMetrics),
            ("application/openmetrics-text;q=0.5,text/plain;q=0.6", .text),
            (
                "application/openmetrics-text;version=1.0.0;q=0.2,application/openmetrics-text;q=0.9,text/plain;q=0.5",
                .text
            ),
            ("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0", .openMetrics),
            ("text/plain;q=0,application/openmetrics-text;q=0", .text),
            ("application/openmetrics-text;q=0.001,text/plain;q=0", .openMetrics),
            ("application/openmetrics-text;q=abc", .text),
            ("application/openmetrics-text;q=1.5", .text),
            // Ties: more specific naming, then header order.
            ("application/openmetrics-text,text/plain", .openMetrics),
            ("text/plain,application/openmetrics-text", .text),
            ("*/*,application/openmetrics-text", .openMetrics),
            ("text/*;q=0.3,application/openmetrics-text;q=0.3", .openMetrics),
            ("application/*", .openMetrics),
            ("application/json", .text),
            ("garbage, ;;, /", .text),
        ] as [(String?, ExpositionFormat)])
    func acceptPicksFormat(accept: String?, expected: ExpositionFormat) {
        #expect(ContentNegotiation.format(accept: accept) == expected)
    }

    @Test(
        arguments: [
            (nil, ContentCoding.identity),
            ("", .identity),
            ("gzip", .gzip),
            ("GZIP", .gzip),
            ("x-gzip", .gzip),
            ("gzip, deflate, br", .gzip),
            ("deflate, br", .identity),
            ("*", .gzip),
            ("gzip;q=0", .identity),
            ("gzip;q=0, *", .identity),
            ("*;q=0", .identity),
            ("identity;q=0", .identity),
            ("identity;q=0, *", .gzip),
            ("gzip;q=0.5", .gzip),
            ("gzip;q=0.5, identity", .identity),
            ("gzip;q=1, identity;q=0.5", .gzip),
            ("gzip;q=0.5, identity;q=0.5", .gzip),
            ("br;q=1, gzip;q=0.8, *;q=0.1", .gzip),
            ("gzip;q=nonsense", .identity),
        ] as [(String?, ContentCoding)])
    func acceptEncodingPicksCoding(acceptEncoding: String?, expected: ContentCoding) {
        #expect(ContentNegotiation.coding(acceptEncoding: acceptEncoding) == expected)
    }

    @Test func contentTypesAreTheSpecsOnes() {
        #expect(ExpositionFormat.text.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(
            ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }
}

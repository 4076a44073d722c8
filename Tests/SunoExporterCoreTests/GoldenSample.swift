import SunoExporterCore

/// A fixed, representative family set rendered into Fixtures/golden-sample.{prom,openmetrics}.
/// Given out of order on purpose: the renderers sort families and series.
enum GoldenSample {
    /// A model label value that needs every escape: quote, backslash, newline.
    static let nastyModel = "chirp-\"x\\y\nz"

    static var families: [MetricFamily] {
        var duration = Histogram(upperBounds: Histogram.durationBuckets)
        for value in [3.0, 42.5, 61, 61, 250, 4000] { duration.observe(value) }
        duration.observe(58.25, exemplar: Exemplar(labels: [Label("task_id", "4f1c2a9e-6b7d")], value: 58.25))
        duration.observe(
            700, exemplar: Exemplar(labels: [Label("task_id", "9a8b7c6d")], value: 700, timestamp: 1_764_400_000.5))
        // Over the 128 code point limit: OpenMetrics must drop this one.
        duration.observe(
            2.0, exemplar: Exemplar(labels: [Label("task_id", String(repeating: "x", count: 130))], value: 2))

        var failedDuration = Histogram(upperBounds: Histogram.durationBuckets)
        failedDuration.observe(86_400)

        var request = Histogram(upperBounds: Histogram.requestBuckets)
        for value in [0.004, 0.02, 0.02, 0.3, 1.5, 12] { request.observe(value) }

        return [
            MetricFamily(
                name: "suno_tasks_finished_total",
                help: "Tasks that reached an end, by outcome; values come from the last poll.",
                type: .counter,
                series: [
                    Series([Label("outcome", "success"), Label("action", "MUSIC"), Label("model", "chirp-v4")], 1234),
                    Series([Label("action", "MUSIC"), Label("model", nastyModel), Label("outcome", "failure")], 7),
                    Series([Label("action", "LYRICS"), Label("model", "unknown"), Label("outcome", "expired")], 0),
                ]),
            MetricFamily(
                name: "suno_tasks",
                help: "Watched non-terminal tasks by status (the queue depth); values come from the last poll.",
                type: .gauge,
                series: [
                    Series([Label("action", "MUSIC"), Label("model", "chirp-v4"), Label("status", "QUEUED")], 3),
                    Series([Label("action", "MUSIC"), Label("model", "chirp-v4"), Label("status", "IN_PROGRESS")], 12),
                    Series([Label("action", "LYRICS"), Label("model", "unknown"), Label("status", "SUBMITTED")], 0),
                ]),
            MetricFamily(
                name: "suno_task_duration_seconds",
                help: "Time to finish (finish - submit, gateway clock).\nBuckets in seconds; \\ is a backslash.",
                type: .histogram, unit: "seconds",
                series: [
                    Series(labels: [Label("outcome", "success")], value: .histogram(duration)),
                    Series(labels: [Label("outcome", "failure")], value: .histogram(failedDuration)),
                ]),
            MetricFamily(
                name: "suno_task_failure_ratio",
                help: "Failures / finished over the window, from SQLite history (NaN when nothing finished).",
                type: .gauge,
                series: [
                    Series([Label("window", "15m")], .nan),
                    Series([Label("window", "1h")], 0.25),
                    Series([Label("window", "24h")], 0.125),
                ]),
            MetricFamily(
                name: "suno_upstream_request_duration_seconds",
                help: "Gateway call latency.",
                type: .histogram, unit: "seconds",
                series: [Series(labels: [Label("endpoint", "fetch")], value: .histogram(request))]),
            MetricFamily(
                name: "suno_store_size_bytes",
                help: "SQLite file size (db + wal) in bytes.",
                type: .gauge, unit: "bytes",
                series: [Series([], 1_048_576)]),
            MetricFamily(
                name: "process_cpu_seconds_total",
                help: "Total user and system CPU time spent in seconds.",
                type: .counter, unit: "seconds",
                series: [Series([], 12.34)]),
            MetricFamily(
                name: "suno_exporter_build_info",
                help: "A metric with a constant '1' value labeled by version, revision and \"swift_version\".",
                type: .gauge,
                series: [
                    Series(
                        [Label("version", "0.1.0"), Label("revision", "abc123"), Label("swift_version", "6.3.1")], 1)
                ]),
            MetricFamily(
                name: "suno_collector_last_success_timestamp_seconds",
                help: "End of the last fully successful collector cycle, Unix seconds.",
                type: .gauge, unit: "seconds",
                series: [Series([], 1_764_400_123.25)]),
            MetricFamily(
                name: "suno_test_extremes",
                help: "Gauge values that need special spelling.",
                type: .gauge,
                series: [
                    Series([Label("case", "plus_inf")], .infinity),
                    Series([Label("case", "minus_inf")], -.infinity),
                    Series([Label("case", "tiny")], 1e-7),
                    Series([Label("case", "huge")], 1.8446744073709552e19),
                    Series([Label("case", "negative")], -2.5),
                ]),
        ]
    }
}

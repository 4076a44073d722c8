/// The Prometheus metric types the exporter emits.
public enum MetricType: String, Sendable {
    case counter
    case gauge
    case histogram
}

/// One label pair. Families keep labels sorted by name so output is deterministic.
public struct Label: Sendable, Hashable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }
}

/// An exemplar attached to a histogram bucket (OpenMetrics only).
public struct Exemplar: Sendable, Equatable {
    public var labels: [Label]
    public var value: Double
    /// Unix seconds, optional.
    public var timestamp: Double?

    public init(labels: [Label], value: Double, timestamp: Double? = nil) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

/// The value of one series.
public enum SeriesValue: Sendable, Equatable {
    case scalar(Double)
    case histogram(Histogram)
}

/// One labelled series of a family.
public struct Series: Sendable, Equatable {
    public var labels: [Label]
    public var value: SeriesValue

    public init(labels: [Label], value: SeriesValue) {
        self.labels = labels.sorted()
        self.value = value
    }

    public init(_ labels: [Label], _ value: Double) {
        self.init(labels: labels, value: .scalar(value))
    }
}

/// A metric family: name, help, type and its series.
///
/// `name` is the name as written in the text format 0.0.4, so counters end in `_total`
/// (`suno_tasks_finished_total`); the OpenMetrics renderer derives the base name itself.
public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var help: String
    public var type: MetricType
    /// The OpenMetrics unit ("seconds", "bytes"), when the name ends with it.
    public var unit: String?
    public var series: [Series]

    public init(name: String, help: String, type: MetricType, unit: String? = nil, series: [Series]) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        self.series = series
    }

    /// Series ordered by their label pairs, for deterministic output.
    public var sortedSeries: [Series] {
        series.sorted { a, b in a.labels.lexicographicallyPrecedes(b.labels) }
    }
}

import SunoExporterCore
import SunoHTTP

/// The bytes `/metrics` serves for one published snapshot: both formats, each plain and gzipped.
///
/// Built once when a snapshot is published (render and compress here, off the scrape path), then
/// shared read-only by every scrape until the next one: a scrape only picks a buffer.
public struct RenderedExposition: Sendable {
    /// Prometheus text format 0.0.4.
    public let text: SharedBytes
    public let textGzip: SharedBytes
    /// OpenMetrics 1.0.0.
    public let openMetrics: SharedBytes
    public let openMetricsGzip: SharedBytes

    /// Renders and compresses `families` (4 buffers; the gzip level trades publish time for bytes on the wire).
    /// One format at a time, compressed from its shared copy: a publish holds at most one rendering
    /// and one compression buffer beside the buffers already made, not all four at once.
    public init(families: [MetricFamily], gzipLevel: Int = Gzip.defaultLevel) {
        let text = SharedBytes(TextFormat.render(families))
        self.text = text
        self.textGzip = unsafe SharedBytes(text.withBytes { unsafe Gzip.compress($0, level: gzipLevel) })
        let openMetrics = SharedBytes(OpenMetricsFormat.render(families))
        self.openMetrics = openMetrics
        self.openMetricsGzip = unsafe SharedBytes(openMetrics.withBytes { unsafe Gzip.compress($0, level: gzipLevel) })
    }

    /// An exposition with no families (before the first snapshot is published).
    public static let empty = RenderedExposition(families: [])

    /// The buffer for a negotiated format and coding.
    public func body(format: ExpositionFormat, coding: ContentCoding) -> SharedBytes {
        switch (format, coding) {
        case (.text, .identity): text
        case (.text, .gzip): textGzip
        case (.openMetrics, .identity): openMetrics
        case (.openMetrics, .gzip): openMetricsGzip
        }
    }
}

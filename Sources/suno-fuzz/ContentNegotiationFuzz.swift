import SunoExporterCore

/// `/metrics` content negotiation on any `Accept` / `Accept-Encoding` value. The input is split at the
/// first NUL: before it the Accept value, after it the Accept-Encoding value, and each part is also tried
/// as the other header (an input without NUL is tried as both). Properties: no trap, and the answer only leaves the defaults for a header that
/// could ask for something else: OpenMetrics needs a range that can name it (`application/…` or `*/*`),
/// gzip needs `gzip` or `*`.
enum ContentNegotiationFuzz {
    static func run(_ bytes: [UInt8]) {
        let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let accept = String(decoding: bytes[..<split], as: UTF8.self)
        let acceptEncoding = split < bytes.endIndex ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : accept
        checkFormat(accept)
        checkCoding(acceptEncoding)
        if split < bytes.endIndex {
            checkFormat(acceptEncoding)
            checkCoding(accept)
        }
    }

    static func checkFormat(_ header: String) {
        let format = ContentNegotiation.format(accept: header)
        guard format == .openMetrics else { return }
        let lowered = header.lowercased()
        FuzzCheck.require(
            lowered.contains("application") || lowered.contains("*"),
            "OpenMetrics chosen for Accept \(FuzzCheck.quoted(header))")
        // Text named first with the version and q=1 is never outranked: no q exceeds 1, and a tie with
        // an equally specific OpenMetrics range goes to the earlier one.
        FuzzCheck.require(
            ContentNegotiation.format(accept: "text/plain;version=0.0.4, " + header) == .text,
            "OpenMetrics chosen over text named first in \(FuzzCheck.quoted(header))")
    }

    static func checkCoding(_ header: String) {
        let coding = ContentNegotiation.coding(acceptEncoding: header)
        guard coding == .gzip else { return }
        let lowered = header.lowercased()
        FuzzCheck.require(
            lowered.contains("gzip") || lowered.contains("*"),
            "gzip chosen for Accept-Encoding \(FuzzCheck.quoted(header))")
    }
}

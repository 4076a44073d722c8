import SunoExporterCore
import SunoHTTP

/// `GET /metrics`: picks the pre-rendered buffer the client negotiated. No rendering, no I/O,
/// no allocation beyond the response headers: safe on libmicrohttpd's threads.
public enum MetricsEndpoint {
    /// The `Vary` value of every metrics response: the body depends on both negotiations.
    public static let vary = "Accept, Accept-Encoding"

    public static func respond(to request: HTTPRequest, with exposition: RenderedExposition) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            // The same JSON error (and Allow header) as every other 405 of the exporter.
            return APIError.methodNotAllowed(request.method, allow: ["GET", "HEAD"]).response
        }
        let format = ContentNegotiation.format(accept: joinedHeader("accept", in: request))
        let coding = ContentNegotiation.coding(acceptEncoding: joinedHeader("accept-encoding", in: request))
        var headers: [(name: String, value: String)] = [("Content-Type", format.contentType)]
        if coding == .gzip { headers.append(("Content-Encoding", "gzip")) }
        headers.append(("Vary", vary))
        // HEAD gets the same body: libmicrohttpd sends the headers, with the Content-Length of this
        // body, and leaves the body out (RFC 9110 §9.3.2).
        return HTTPResponse(
            status: 200, headers: headers, body: .shared(exposition.body(format: format, coding: coding)))
    }

    /// All values of a header, joined as one list (RFC 9110 §5.3); nil when absent.
    static func joinedHeader(_ name: String, in request: HTTPRequest) -> String? {
        let values = request.headers.filter { $0.name == name }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}

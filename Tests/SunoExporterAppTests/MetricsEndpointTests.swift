import SunoExporterApp
import SunoExporterCore
import SunoHTTP
import SunoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `/metrics` served by a real libmicrohttpd daemon on port 0, read with a raw socket so that every
/// header and byte is what the server sent (URLSession would negotiate and decompress on its own).
@Suite struct MetricsEndpointTests {
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    static let families: [MetricFamily] = {
        var latency = Histogram(upperBounds: Histogram.requestBuckets)
        for value in [0.004, 0.02, 0.3, 1.5] { latency.observe(value) }
        latency.observe(0.07, exemplar: Exemplar(labels: [Label("task_id", "abc")], value: 0.07))
        // Enough series that gzip has something to do.
        let models = (0..<40).map { "chirp-v\($0)" } + ["chirp-\"x\\y\nz"]
        return [
            MetricFamily(
                name: "suno_tasks_finished_total", help: "Finished tasks.", type: .counter,
                series: models.map { Series([Label("model", $0), Label("outcome", "success")], 3) }),
            MetricFamily(
                name: "suno_upstream_request_duration_seconds", help: "Latency.", type: .histogram, unit: "seconds",
                series: [Series(labels: [Label("endpoint", "fetch")], value: .histogram(latency))]),
        ]
    }()

    static let exposition = RenderedExposition(families: families)

    /// Runs `body` against a server on an ephemeral port, then stops it.
    func withServer(_ body: (UInt16) throws -> Void) throws {
        let exposition = Self.exposition
        let server = HTTPServer(options: HTTPServerOptions(host: "127.0.0.1", port: 0)) { request in
            MetricsEndpoint.respond(to: request, with: exposition)
        }
        let port = try server.start()
        defer { server.stop() }
        try body(port)
    }

    @Test func servesTextByDefault() throws {
        try withServer { port in
            let response = try RawHTTP.send("GET", port: port)
            #expect(response.status == 200)
            #expect(response.header("content-type") == TextFormat.contentType)
            #expect(response.header("content-encoding") == nil)
            #expect(response.header("vary") == "Accept, Accept-Encoding")
            #expect(response.body == Self.exposition.text.array)
            #expect(response.header("content-length") == String(Self.exposition.text.count))
        }
    }

    @Test(
        arguments: [
            (nil, TextFormat.contentType),
            ("*/*", TextFormat.contentType),
            ("text/plain;version=0.0.4", TextFormat.contentType),
            ("application/openmetrics-text;version=1.0.0", OpenMetricsFormat.contentType),
            (prometheusAccept, OpenMetricsFormat.contentType),
            ("application/openmetrics-text;version=0.0.1", TextFormat.contentType),
        ] as [(String?, String)])
    func contentTypeFollowsAccept(accept: String?, contentType: String) throws {
        try withServer { port in
            let response = try RawHTTP.send("GET", port: port, headers: accept.map { [("Accept", $0)] } ?? [])
            #expect(response.status == 200)
            #expect(response.header("content-type") == contentType)
            let expected = contentType == TextFormat.contentType ? Self.exposition.text : Self.exposition.openMetrics
            #expect(response.body == expected.array)
        }
    }

    @Test func gzipRoundTripsToThePlainBody() throws {
        try withServer { port in
            for (accept, plain) in [
                ("text/plain", Self.exposition.text), (Self.prometheusAccept, Self.exposition.openMetrics),
            ] {
                let response = try RawHTTP.send(
                    "GET", port: port, headers: [("Accept", accept), ("Accept-Encoding", "gzip, deflate, br")])
                #expect(response.status == 200)
                #expect(response.header("content-encoding") == "gzip")
                #expect(response.header("vary") == "Accept, Accept-Encoding")
                #expect(response.body.count < plain.count)
                #expect(try Gzip.decompress(response.body) == plain.array)
            }
            let refused = try RawHTTP.send("GET", port: port, headers: [("Accept-Encoding", "gzip;q=0")])
            #expect(refused.header("content-encoding") == nil)
            #expect(refused.body == Self.exposition.text.array)
        }
    }

    @Test func headHasTheHeadersButNoBody() throws {
        try withServer { port in
            let response = try RawHTTP.send(
                "HEAD", port: port, headers: [("Accept", Self.prometheusAccept), ("Accept-Encoding", "gzip")])
            #expect(response.status == 200)
            #expect(response.header("content-type") == OpenMetricsFormat.contentType)
            #expect(response.header("content-encoding") == "gzip")
            #expect(response.header("vary") == "Accept, Accept-Encoding")
            #expect(response.header("content-length") == String(Self.exposition.openMetricsGzip.count))
            #expect(response.body.isEmpty)
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH"])
    func otherMethodsGet405(method: String) throws {
        try withServer { port in
            let response = try RawHTTP.send(method, port: port, body: Array("{}".utf8))
            #expect(response.status == 405)
            #expect(response.header("allow") == "GET, HEAD")
            #expect(response.header("content-type") == "application/json")
        }
    }

    @Test func repeatedAcceptHeadersAreJoined() {
        let request = HTTPRequest(
            method: "GET", path: "/metrics",
            headers: [
                ("Accept", "text/plain;q=0.5"), ("Accept", "application/openmetrics-text"), ("Accept-Encoding", "gzip"),
            ])
        let response = MetricsEndpoint.respond(to: request, with: Self.exposition)
        #expect(response.headers.first { $0.name == "Content-Type" }?.value == OpenMetricsFormat.contentType)
        #expect(response.headers.first { $0.name == "Content-Encoding" }?.value == "gzip")
        #expect(response.body.count == Self.exposition.openMetricsGzip.count)
    }

    @Test func renderedExpositionHoldsAllFourBodies() throws {
        let e = Self.exposition
        #expect(e.text.array == TextFormat.render(Self.families))
        #expect(e.openMetrics.array == OpenMetricsFormat.render(Self.families))
        #expect(try Gzip.decompress(e.textGzip.array) == e.text.array)
        #expect(try Gzip.decompress(e.openMetricsGzip.array) == e.openMetrics.array)
        #expect(e.body(format: .openMetrics, coding: .gzip) === e.openMetricsGzip)
        #expect(e.body(format: .text, coding: .identity) === e.text)
        let empty = RenderedExposition.empty
        #expect(empty.text.count == 0)
        #expect(empty.openMetrics.array == Array("# EOF\n".utf8))
        #expect(try Gzip.decompress(empty.textGzip.array).isEmpty)
    }
}

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 100, 70_000, 1 << 20])
    func roundTrips(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        // Half random, half repetitive: both the stored and the compressed paths of deflate.
        let bytes = (0..<size).map { i in i % 2 == 0 ? UInt8(i % 251) : UInt8.random(in: 0...255, using: &generator) }
        for level in [1, Gzip.defaultLevel, 9] {
            let compressed = Gzip.compress(bytes, level: level)
            #expect(compressed.starts(with: [0x1f, 0x8b]))
            #expect(try Gzip.decompress(compressed) == bytes)
        }
    }

    @Test func compressesText() throws {
        let text = Array(String(repeating: "suno_tasks{action=\"MUSIC\",status=\"QUEUED\"} 0\n", count: 1000).utf8)
        let compressed = Gzip.compress(text)
        #expect(compressed.count * 20 < text.count)
        #expect(try Gzip.decompress(compressed) == text)
    }

    @Test func concatenatedMembersDecompressToTheirConcatenation() throws {
        let a = Array("first member\n".utf8)
        let b = Array("second member\n".utf8)
        #expect(try Gzip.decompress(Gzip.compress(a) + Gzip.compress(b)) == a + b)
    }

    @Test func badInputThrows() {
        let valid = Gzip.compress(Array(String(repeating: "abc", count: 1000).utf8))
        #expect(throws: GzipError.self) { try Gzip.decompress([]) }
        #expect(throws: GzipError.self) { try Gzip.decompress(Array("not gzip at all".utf8)) }
        #expect(throws: GzipError.self) { try Gzip.decompress(Array(valid.prefix(valid.count / 2))) }
        #expect(throws: GzipError.self) { try Gzip.decompress(valid + [1, 2, 3]) }
        var corrupt = valid
        corrupt[corrupt.count - 6] ^= 0xff  // CRC32 trailer
        #expect(throws: GzipError.self) { try Gzip.decompress(corrupt) }
        #expect(throws: GzipError.self) { try Gzip.decompress(valid, maxBytes: 100) }
        #expect((try? Gzip.decompress(valid, maxBytes: 3000))?.count == 3000)
    }
}

/// A minimal HTTP/1.1 client over a blocking socket: one request, `Connection: close`, read to EOF.
private enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func send(
        _ method: String, port: UInt16, path: String = "/metrics", headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)  // as TestHTTP: only a hung server takes this long
        unsafe setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = unsafe inet_addr("127.0.0.1")
        let connected = unsafe withUnsafePointer(to: &address) {
            unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() failed: errno \(errno)") }

        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            request += "Content-Length: \(body.count)\r\n"
        }
        request += "\r\n"
        let bytes = Array(request.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = unsafe bytes[sent...].withUnsafeBytes { unsafe Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send() failed: errno \(errno)") }
            sent += n
        }

        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = unsafe chunk.withUnsafeMutableBytes { unsafe recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Failure(description: "recv() failed: errno \(errno)") }
            if n == 0 { break }
            received.append(contentsOf: chunk[0..<n])
        }
        return try parse(received)
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw Failure(description: "no end of headers in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n").map(String.init)
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line \(head[0])")
        }
        let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                line[..<colon].lowercased(),
                String(line[line.index(after: colon)...].drop { $0 == " " })
            )
        }
        return Response(status: status, headers: headers, body: Array(bytes[(end + separator.count)...]))
    }
}

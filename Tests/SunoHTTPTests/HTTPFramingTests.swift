import Foundation
import SunoHTTP
import SunoTestSupport
import Testing

/// Request framing attacks against the real libmicrohttpd daemon, over raw sockets: each is refused with
/// the right status before the handler runs, the connection is closed, and the server keeps serving.
@Suite struct HTTPFramingTests {
    /// A server whose handler records what reached it and answers 200 with the path it saw.
    final class RecordingServer {
        let seen = Recorder<String>()
        let server: HTTPServer
        let port: UInt16

        init(maxBodyBytes: Int = 1_024) throws {
            let seen = seen
            server = HTTPServer(options: HTTPServerOptions(maxBodyBytes: maxBodyBytes)) { request in
                seen.append("\(request.method) \(request.path) body=\(request.body.count)")
                return .text(200, "path=\(request.path)\n")
            }
            port = try server.start()
        }

        deinit { server.stop() }

        /// A well-formed request still gets through (the daemon was not wedged by the previous one).
        func expectStillServing(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let answers = try rawExchange(port: port, "GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(answers.statuses == [200], sourceLocation: sourceLocation)
            #expect(answers.answers.first?.body == "path=/fine\n", sourceLocation: sourceLocation)
        }
    }

    static let body = #"{"ids":["x-1"]}"#

    @Test func twoDifferentContentLengthsAreRefused() throws {
        let server = try RecordingServer()
        let answers = try rawExchange(
            port: server.port,
            "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\nContent-Length: 5\r\n\r\n\(Self.body)")
        #expect(answers.statuses == [400])
        #expect(answers.answers.first?.header("connection") == "close")
        #expect(answers.answers.first?.body.contains("more than one Content-Length") == true)
        #expect(server.seen.values.isEmpty)
        try server.expectStillServing()
    }

    @Test func chunkedWithContentLengthIsRefusedAndNothingIsSmuggled() throws {
        let server = try RecordingServer()
        // A front proxy reading Content-Length would see one request; MHD used to read the chunked body
        // and then run the bytes after it as a second request.
        let smuggled =
            "POST /tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
            + "f\r\n\(Self.body)\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        let answers = try rawExchange(port: server.port, smuggled)
        #expect(answers.statuses == [400])
        #expect(answers.answers.first?.body.contains("request smuggling") == true)
        #expect(!answers.text.contains("smuggled"))
        #expect(server.seen.values.isEmpty)
        try server.expectStillServing()
    }

    @Test(arguments: ["gzip", "gzip, chunked", "chunked, identity"])
    func unknownTransferCodingIsAnswered501NotLeftHanging(coding: String) throws {
        let server = try RecordingServer()
        let answers = try rawExchange(
            port: server.port, "POST /tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \(coding)\r\n\r\nabc")
        #expect(answers.statuses == [501])
        #expect(answers.answers.first?.header("connection") == "close")
        #expect(server.seen.values.isEmpty)
        try server.expectStillServing()
    }

    @Test func chunkedTwiceOrInHTTP10IsRefused() throws {
        let server = try RecordingServer()
        let twice = try rawExchange(
            port: server.port,
            "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(twice.statuses == [400])
        let old = try rawExchange(port: server.port, "POST /t HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(old.statuses == [400])
        #expect(server.seen.values.isEmpty)
    }

    @Test func expectContinueWithAnOversizedBodyGets413Not100() throws {
        let server = try RecordingServer(maxBodyBytes: 1_024)
        let answers = try rawExchange(
            port: server.port,
            "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        #expect(answers.statuses == [413])
        #expect(!answers.text.contains("100 Continue"))
        #expect(server.seen.values.isEmpty)
        // Within the limit, the client is told to go on and the body arrives.
        let connection = try RawConnection(port: server.port, receiveTimeout: 20)
        try connection.send(
            "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        var interim = [UInt8](repeating: 0, count: 256)
        let n = unsafe interim.withUnsafeMutableBytes { unsafe recv(connection.fd, $0.baseAddress, $0.count, 0) }
        #expect(String(decoding: interim.prefix(max(0, n)), as: UTF8.self).hasPrefix("HTTP/1.1 100 Continue"))
        try connection.send(Self.body)
        #expect(RawAnswers(try connection.readToEnd()).statuses == [200])
        #expect(server.seen.values == ["POST /small body=15"])
    }

    @Test func anUnknownExpectationIsRefused() throws {
        let server = try RecordingServer()
        let answers = try rawExchange(
            port: server.port, "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: teapot\r\n\r\n{}")
        #expect(answers.statuses == [417])
        #expect(server.seen.values.isEmpty)
    }

    @Test func aChunkedBodyOverTheLimitGets413() throws {
        let server = try RecordingServer(maxBodyBytes: 1_024)
        let chunk = String(repeating: "a", count: 1_500)
        let answers = try rawExchange(
            port: server.port,
            "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5dc\r\n\(chunk)\r\n0\r\n\r\n")
        #expect(answers.statuses == [413])
        #expect(server.seen.values.isEmpty)
        try server.expectStillServing()
    }

    @Test func aNULDoesNotCutThePath() throws {
        let server = try RecordingServer()
        let answers = try rawExchange(port: server.port, "GET /tasks/a%00b HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answers.statuses == [400])
        #expect(answers.answers.first?.body.contains("control character") == true)
        #expect(server.seen.values.isEmpty)
    }

    @Test(
        arguments: [
            "/tasks/a%0Ab", "/tasks/%1b%5b31m", "/tasks/%ff%fe", "/tasks/\u{7f}", "/tasks/100%", "/tasks/%zz",
            "/tasks?model=a%00b", "/tasks?status=%c3",
        ])
    func controlBytesBadUTF8AndBrokenEscapesAreRefused(target: String) throws {
        let server = try RecordingServer()
        let answers = try rawExchange(port: server.port, "GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answers.statuses == [400], "\(target)")
        #expect(server.seen.values.isEmpty, "\(target)")
    }

    @Test func rawNonUTF8PathBytesAreRefused() throws {
        let server = try RecordingServer()
        let request = Array("GET /tasks/".utf8) + [0xFF, 0xC3] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(try rawExchange(port: server.port, request).statuses == [400])
        #expect(server.seen.values.isEmpty)
    }

    @Test func escapesAreDecodedOnceAndPlusOnlyInArguments() throws {
        let server = try RecordingServer()
        let answers = try rawExchange(
            port: server.port, "GET /tasks/%2e%2e%2Fa+b%25 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(answers.answers.first?.body == "path=/tasks/../a+b%\n")
    }

    @Test func aMissingOrRepeatedHostIsRefused() throws {
        let server = try RecordingServer()
        #expect(try rawExchange(port: server.port, "GET /a HTTP/1.1\r\n\r\n").statuses == [400])
        #expect(try rawExchange(port: server.port, "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").statuses == [400])
        // HTTP/1.0 has no Host requirement.
        #expect(try rawExchange(port: server.port, "GET /a HTTP/1.0\r\n\r\n").statuses == [200])
    }

    @Test func oversizedHeadersAndURLsAreRefusedAndOthersStillServed() throws {
        let server = try RecordingServer()
        let longURL = try rawExchange(
            port: server.port, "GET /\(String(repeating: "a", count: 70_000)) HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(longURL.statuses == [414])
        let bigHeader = try rawExchange(
            port: server.port, "GET /a HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 70_000))\r\n\r\n")
        #expect(bigHeader.statuses == [431])
        let manyHeaders = (0..<3_000).map { "X-H\($0): v\r\n" }.joined()
        #expect(
            try rawExchange(port: server.port, "GET /a HTTP/1.1\r\nHost: x\r\n\(manyHeaders)\r\n").statuses == [431])
        #expect(server.seen.values.isEmpty)
        try server.expectStillServing()
    }
}

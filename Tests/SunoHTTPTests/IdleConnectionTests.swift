import Foundation
import SunoHTTP
import SunoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Thousands of idle connections, half of them stopped in the middle of a request header: scrapes are
/// answered while they are held and right after they close, and no socket lingers in CLOSE-WAIT.
///
/// Before the fix (256 connections, epoll) the scrapes waited behind the held connections in the listen
/// queue and timed out, and for minutes after the clients closed, the half-sent ones sat in CLOSE-WAIT
/// holding connection slots. The test process is both client and server, so it needs about twice the
/// connections in descriptors; it raises its own soft limit first.
@Suite(.serialized) struct IdleConnectionTests {
    /// Connections the attack holds; fewer only when the hard open-files limit cannot take both ends.
    static let wanted = 2_000

    @Test func scrapesAreAnsweredWhileIdleConnectionsAreHeldAndRightAfterTheyClose() async throws {
        let count = Self.connectionBudget(Self.wanted)
        try await withAPIServer { server async throws in
            var held: [RawConnection] = []
            defer { held.forEach { $0.close() } }
            for index in 0..<count {
                let connection = try RawConnection(port: server.port, receiveTimeout: 5)
                if index % 2 == 1 { try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slo") }
                held.append(connection)
            }
            for _ in 0..<3 {
                let seconds = try await Self.timedScrape(server.port)
                #expect(seconds < 15, "scrape took \(seconds) s while \(count) idle connections were held")
            }
            held.forEach { $0.close() }
            held = []
            let afterClose = try await Self.timedScrape(server.port)
            #expect(afterClose < 15, "scrape took \(afterClose) s right after the idle connections closed")
            // Every server end sees its client's close at once: none waits for a timeout in CLOSE-WAIT.
            let drained = await eventually(within: 10) { Self.closeWaitSockets(port: server.port) == 0 }
            #expect(drained, "\(Self.closeWaitSockets(port: server.port)) sockets still in CLOSE-WAIT after 10 s")
        }
    }

    @Test func oneAddressCannotTakeEveryConnection() async throws {
        // 200 connections, at most 100 from one address: the rest of that address's connections are closed
        // at once, and a client on another address is still served.
        let server = HTTPServer(options: HTTPServerOptions(connectionLimit: 200)) { _ in .text(200, "ok\n") }
        let port = try server.start()
        defer { server.stop() }
        #expect(server.connectionLimits?.perAddress == 100)
        var held: [RawConnection] = []
        defer { held.forEach { $0.close() } }
        for _ in 0..<300 { held.append(try RawConnection(port: port, receiveTimeout: 5)) }
        let other = try RawConnection(port: port, source: "127.0.0.2", receiveTimeout: 15)
        try other.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(RawAnswers(try other.readToEnd()).statuses == [200])
        // Once they close, that address is served again as soon as the server has seen the closes.
        held.forEach { $0.close() }
        let servedAgain = await eventually(within: 10) {
            (try? rawExchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))?.statuses
                == [200]
        }
        #expect(servedAgain)
    }

    @Test func aConnectionThatNeverCompletesItsHeaderIsClosedAfterTheHeaderTimeout() async throws {
        let server = HTTPServer(
            options: HTTPServerOptions(connectionTimeoutSeconds: 60, headerTimeoutSeconds: 1)
        ) { _ in .text(200, "ok\n") }
        let port = try server.start()
        defer { server.stop() }
        let silent = try RawConnection(port: port, receiveTimeout: 30)
        let partial = try RawConnection(port: port, receiveTimeout: 30)
        try partial.send("GET / HTTP/1.1\r\nHost: x\r\n")
        let started = ContinuousClock.now
        // Both are closed by the server (no answer) long before the 60 s idle timeout.
        #expect(try silent.readToEnd().isEmpty)
        #expect(try partial.readToEnd().isEmpty)
        #expect(ContinuousClock.now - started < .seconds(30))
        // A connection that completed its header keeps the normal idle timeout between requests.
        let keepAlive = try RawConnection(port: port, receiveTimeout: 30)
        try keepAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try await Task.sleep(for: .seconds(3))
        try keepAlive.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(RawAnswers(try keepAlive.readToEnd()).statuses == [200, 200])
    }

    /// Under a hard open-files limit of 1024 the 4096 default cannot be held: the daemon takes what fits
    /// beside a reserve for the store and the gateway, and says so, instead of failing later on EMFILE.
    @Test(.enabled(if: Repository.which("prlimit") != nil, "needs util-linux prlimit"))
    func theConnectionLimitFitsTheOpenFilesLimit() async throws {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let port = freePort()
        let exporter = try ChildProcess(
            try #require(Repository.which("prlimit")),
            [
                "--nofile=1024:1024", binary, "serve", "--web.listen-address", "127.0.0.1:\(port)",
                "--storage.path", scratch.path("x.db"), "--cometapi.base-url", "http://127.0.0.1:9",
            ], log: scratch.url.appendingPathComponent("exporter.log"))
        defer { exporter.terminate() }
        let logged = await eventually(within: 60) { exporter.log.contains("msg=listening") }
        #expect(logged, "\(exporter.log.suffix(1_000))")
        #expect(exporter.log.contains("max_connections=768"), "\(exporter.log.suffix(1_000))")
        #expect(try await TestHTTP.send("GET", "http://127.0.0.1:\(port)/-/healthy").status == 200)
    }

    /// Seconds one `/metrics` scrape took on a new connection (throws when it is not answered 200).
    static func timedScrape(_ port: UInt16) async throws -> Double {
        let started = ContinuousClock.now
        let answers = try rawExchange(
            port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", receiveTimeout: 20)
        #expect(answers.statuses == [200])
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Server-side sockets of `port` in CLOSE-WAIT (state 08 in /proc/net/tcp).
    static func closeWaitSockets(port: UInt16) -> Int {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return 0 }
        let local = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[1].hasSuffix(local) && fields[3] == "08"
        }.count
    }

    /// Raises the soft open-files limit to the hard one and returns how many connections both ends fit.
    static func connectionBudget(_ wanted: Int) -> Int {
        var limit = rlimit()
        guard unsafe getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = unsafe setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = unsafe getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        // Both ends of each connection, plus room for the rest of the test run.
        let room = (Int(clamping: limit.rlim_cur) - 1_000) / 2
        return max(300, min(wanted, room))
    }
}

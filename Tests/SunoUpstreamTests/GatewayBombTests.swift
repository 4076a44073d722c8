import Foundation
import SunoHTTP
import SunoTestSupport
import SunoUpstream
import Testing

/// Oversized and gzip-bomb gateway answers: cut off as they inflate, reported as `too_large` (not as an
/// unreachable gateway), not retried, and the exporter's memory stays near the limit.
@Suite(.serialized) struct GatewayBombTests {
    /// About 64 kB on the wire that inflate to 64 MiB and more: a JSON start, then spaces.
    static let bomb: [UInt8] = {
        var plain = Array(#"{"code":"success","message":"","data":["#.utf8)
        plain += [UInt8](repeating: UInt8(ascii: " "), count: 64 << 20)
        plain += Array("]}".utf8)
        return Gzip.compress(plain, level: 9)
    }()

    static var bombAnswer: CannedAnswer {
        CannedAnswer(
            status: 200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body: bomb,
            delay: nil)
    }

    @Test func aBombIsReportedAsTooLargeAndNotRetried() async throws {
        #expect(Self.bomb.count < 256 << 10)
        let gateway = try ScriptedGateway([Self.bombAnswer, .json(200, GatewayClientTests.oneTask)])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let client = probe.client(gateway.baseURL, maxAttempts: 4)
        let outcome = await gatewayOutcome { try await client.fetch(ids: ["task-1"], action: .music) }
        let failure = try #require(outcome.upstreamFailure)
        #expect(failure == .tooLarge(limit: 16 << 20))
        #expect(failure.description == "gateway answer larger than 16777216 bytes (decoded), cut off")
        #expect(probe.codes == ["too_large"], "not retried: the same request would get the same bomb")
        #expect(probe.sleeps.values.isEmpty)
        let line = try #require(probe.logs.all.first { $0.contains("upstream call failed") })
        #expect(line.contains("cut off"))
        #expect(!line.contains("unreachable"))
        // The handle that was stopped mid-inflate serves the next request.
        #expect(try await client.fetch(ids: ["task-1"], action: .music).map(\.taskID) == ["task-1"])
    }

    @Test func anAnnouncedLengthAboveTheLimitIsRefusedBeforeItsBody() async throws {
        let big = CannedAnswer(
            status: 200, headers: [("Content-Type", "application/json")],
            body: [UInt8](repeating: UInt8(ascii: " "), count: (16 << 20) + 1), delay: nil)
        let gateway = try ScriptedGateway([big])
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let outcome = await gatewayOutcome {
            try await probe.client(gateway.baseURL, maxAttempts: 4).fetch(ids: ["a"], action: .music)
        }
        #expect(outcome.upstreamFailure == .tooLarge(limit: 16 << 20))
        #expect(probe.codes == ["too_large"])
    }

    /// The whole exporter (a child process) polling a gateway that answers bombs: its peak memory grows by
    /// about the limit, not by several times it (236 MB peak for a 1 MiB bomb before, with retries).
    @Test func theExporterPeakMemoryStaysNearTheLimit() async throws {
        let binary = try #require(Repository.exporterBinary, "build the suno-exporter binary first (swift build)")
        let gateway = try ScriptedGateway(Array(repeating: Self.bombAnswer, count: 8))
        defer { gateway.stop() }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let port = freePort()
        let exporter = try ChildProcess(
            binary,
            [
                "serve", "--cometapi.base-url", gateway.baseURL, "--storage.path", scratch.path("x.db"),
                "--web.listen-address", "127.0.0.1:\(port)", "--collector.interval", "300ms", "--log.level", "warn",
            ], log: scratch.url.appendingPathComponent("exporter.log"), environment: ["COMETAPI_KEY": "sk-bomb-test"])
        defer { exporter.terminate() }
        let base = "http://127.0.0.1:\(port)"
        #expect(await eventually(within: 60) { (try? await TestHTTP.send("GET", base + "/-/ready"))?.status == 200 })
        let before = try #require(Self.peakResidentKiB(exporter.process.processIdentifier))

        let registered = try await TestHTTP.send("POST", base + "/api/v1/tasks", json: ["ids": ["b-1", "b-2"]])
        #expect(registered.status == 202)
        let sawBombs = await eventually(within: 60) {
            guard let reply = try? await TestHTTP.send("GET", base + "/metrics") else { return false }
            return ExpositionSamples(reply.text).sum("suno_upstream_requests_total", ["code": "too_large"]) >= 4
        }
        #expect(sawBombs, "exporter log:\n\(exporter.log.suffix(2_000))")
        let after = try #require(Self.peakResidentKiB(exporter.process.processIdentifier))
        // 16 MiB of body plus allocator slack; before the fix the growth was about 190 MB.
        #expect(after - before < 48 << 10, "peak RSS grew from \(before) KiB to \(after) KiB")
    }

    /// VmHWM of a process, in KiB.
    static func peakResidentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }
}

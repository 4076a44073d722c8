import Foundation
import SunoExporterCore
import SunoStore
import SunoTestSupport
import SunoUpstream
import Testing

/// One unusable item in a gateway batch answer no longer costs the whole batch: the other tasks of the
/// batch move on, the bad item (or its bad field) is counted in `suno_upstream_items_rejected_total` and
/// logged once. Before, the answer was a decode error and every task of the batch stayed unchanged.
@Suite struct GatewayItemRejectionTests {
    static let submit: Int64 = 1_800_000_000

    static func item(_ id: String, status: String, extra: String = "") -> String {
        #"{"task_id":"\#(id)","action":"MUSIC","status":"\#(status)","progress":"50%","fail_reason":"","#
            + #""submit_time":\#(submit),"start_time":\#(submit + 10),"finish_time":0,"data":null\#(extra)}"#
    }

    static func batch(_ items: [String]) -> CannedAnswer {
        .json(200, #"{"code":"success","message":"","data":[\#(items.joined(separator: ","))]}"#)
    }

    /// Registers `ids`, runs one cycle against `answer`, and returns the server for inspection.
    static func cycle(ids: [String], answer: CannedAnswer, _ check: (APITestServer) async throws -> Void) async throws {
        let gateway = try ScriptedGateway([answer])
        defer { gateway.stop() }
        try await withAPIServer(gatewayURL: gateway.baseURL) { server async throws in
            try server.store.register(
                ids.map { Registration(id: $0, action: .music, model: nil) }, source: "api",
                now: Date().timeIntervalSince1970)
            await server.assembly.collector.runCycle()
            try await check(server)
        }
    }

    static func samples(_ server: APITestServer) async throws -> ExpositionSamples {
        let reply = try await TestHTTP.send("GET", server.baseURL + "/metrics")
        return ExpositionSamples(reply.text)
    }

    @Test func anUnusableTimeDropsOnlyThatFieldAndTheBatchMovesOn() async throws {
        let answer = Self.batch([
            Self.item("ok-1", status: "SUCCESS"),
            Self.item("odd", status: "IN_PROGRESS", extra: #","x":1"#)
                .replacingOccurrences(of: #""finish_time":0"#, with: #""finish_time":1e300"#),
            Self.item("ok-2", status: "FAILURE"),
        ])
        try await Self.cycle(ids: ["ok-1", "odd", "ok-2"], answer: answer) { server in
            #expect(try server.store.task(id: "ok-1")?.status == "SUCCESS")
            #expect(try server.store.task(id: "ok-2")?.status == "FAILURE")
            let odd = try #require(try server.store.task(id: "odd"))
            #expect(odd.status == "IN_PROGRESS")
            #expect(odd.startTime == Self.submit + 10)
            #expect(odd.finishTime == 0)
            let samples = try await Self.samples(server)
            #expect(samples.sum("suno_upstream_items_rejected_total", ["reason": "unusable_time"]) == 1)
            #expect(samples.sum("suno_upstream_requests_total", ["code": "200", "endpoint": "fetch"]) == 1)
            #expect(samples.sum("suno_upstream_requests_total", ["code": "decode"]) == 0)
            #expect(samples.sum("suno_upstream_up") == 1)
        }
    }

    @Test func anItemOfTheWrongShapeIsSetAsideAndTheBatchMovesOn() async throws {
        let answer = Self.batch([
            Self.item("ok-1", status: "SUCCESS"), #"{"task_id":"bad","status":5,"progress":"10%"}"#, "17",
            Self.item("ok-2", status: "IN_PROGRESS"),
        ])
        try await Self.cycle(ids: ["ok-1", "bad", "ok-2"], answer: answer) { server in
            #expect(try server.store.task(id: "ok-1")?.status == "SUCCESS")
            #expect(try server.store.task(id: "ok-2")?.status == "IN_PROGRESS")
            // Left as it was: nothing was guessed from an item that is not what we think it is.
            #expect(try server.store.task(id: "bad")?.status == "NOT_START")
            let samples = try await Self.samples(server)
            #expect(samples.sum("suno_upstream_items_rejected_total", ["reason": "wrong_type"]) == 1)
            #expect(samples.sum("suno_upstream_items_rejected_total", ["reason": "not_an_object"]) == 1)
            #expect(samples.sum("suno_upstream_requests_total", ["code": "decode"]) == 0)
        }
    }

    @Test func theSameBadItemIsCountedEveryTimeButLoggedOnce() async throws {
        let bad = Self.item("odd", status: "QUEUED").replacingOccurrences(
            of: #""start_time":1800000010"#, with: #""start_time":"\u001b[2J<script>""#)
        let answers = (0..<3).map { _ in Self.batch([Self.item("ok", status: "QUEUED"), bad]) }
        let gateway = try ScriptedGateway(answers)
        defer { gateway.stop() }
        let probe = GatewayProbe()
        let counted = Recorder<ItemRejection>()
        let client = GatewayClient(
            configuration: GatewayClientConfiguration(baseURL: gateway.baseURL, apiKey: APIKey("sk-test-key")),
            logger: probe.logs.logger, onRejectedItems: { $0.forEach(counted.append) })
        for _ in 0..<3 {
            let items = try await client.fetch(ids: ["ok", "odd"], action: .music)
            #expect(items.map(\.taskID) == ["ok", "odd"])
        }
        #expect(counted.values.map(\.reason) == [.unusableTime, .unusableTime, .unusableTime])
        let lines = probe.logs.all.filter { $0.contains("task item field ignored") }
        #expect(lines.count == 3)
        #expect(lines.filter { $0.hasPrefix("level=warning") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("level=debug") }.count == 2)
        // The gateway's text is quoted short and without its control characters.
        #expect(lines.allSatisfy { !$0.unicodeScalars.contains { $0.value == 0x1B } })
    }
}

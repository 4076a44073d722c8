import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoSimulator
import SunoStore
import SunoTestSupport
import Testing

/// `POST /api/v1/hooks/suno`: the gateway's notify_hook callbacks, applied like a poll result.
@Suite struct TaskAPIHookTests {
    @Test func hookRegistersAnUnknownId() async throws {
        try await withAPIServer { server async throws in
            let now = Int64(Date().timeIntervalSince1970)
            let reply = try await TestHTTP.send(
                "POST", server.hookURL,
                json: taskItem(
                    "hook-new", status: "IN_PROGRESS", submit: now - 20, start: now - 10, model: "chirp-crow"))
            #expect(reply.status == 202, "\(reply.text)")
            let body = try reply.object()
            #expect(body["id"] as? String == "hook-new")
            #expect(body["registered"] as? Bool == true)

            let task = try #require(try server.store.task(id: "hook-new"))
            #expect(task.status == "IN_PROGRESS")
            #expect(task.submitTime == now - 20)
            #expect(task.model == "chirp-crow")
            #expect(task.outcome == nil)
            #expect(try server.store.history(id: "hook-new").map(\.status) == ["IN_PROGRESS"])
            let bySource = try server.store.aggregates().filter { $0.key.kind == .registered }
            #expect(bySource.map(\.key.label) == ["hook"])
            #expect(bySource.values.first == 1)
        }
    }

    @Test func hookFinishesAKnownIdThroughTheEnvelope() async throws {
        try await withAPIServer { server async throws in
            _ = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["hook-known"], "model": "chirp-v4"])
            let now = Int64(Date().timeIntervalSince1970)
            let envelope: [String: Any] = [
                "code": "success", "message": "",
                "data": taskItem(
                    "hook-known", status: "SUCCESS", progress: "100%", submit: now - 90, start: now - 80, finish: now,
                    model: "chirp-v4"),
            ]
            let reply = try await TestHTTP.send("POST", server.hookURL, json: envelope)
            #expect(reply.status == 202, "\(reply.text)")
            #expect(try reply.object()["registered"] as? Bool == false)

            let shown = try await TestHTTP.send("GET", server.taskURL("hook-known")).object()
            #expect(shown["status"] as? String == "SUCCESS")
            #expect(shown["outcome"] as? String == "success")
            #expect(jsonInt(shown["finish_time"]) == Int(now))
            let finished = try server.store.aggregates().filter { $0.key.kind == .finished }
            #expect(finished.values.reduce(0, +) == 1)

            // A repeated callback for a finished task changes nothing and counts nothing twice.
            #expect(try await TestHTTP.send("POST", server.hookURL, json: envelope).status == 202)
            #expect(try server.store.aggregates().filter { $0.key.kind == .finished }.values.reduce(0, +) == 1)
            #expect(try server.store.history(id: "hook-known").count == 1)
        }
    }

    @Test(
        arguments: [
            ("", 400, "empty"),
            ("{\"task_id\": ", 400, "not valid JSON"),
            ("<html>502</html>", 400, "not valid JSON"),
            ("[]", 422, "not a task item"),
            ("{\"status\": \"SUCCESS\"}", 422, "not a task item"),
            ("{\"task_id\": 12, \"status\": \"SUCCESS\"}", 422, "not a task item"),
            ("{\"code\": \"task_not_exist\", \"message\": \"task_not_exist\", \"data\": null}", 422, "task_not_exist"),
            ("{\"code\": \"success\", \"data\": null}", 422, "not a task item"),
            ("{\"task_id\": \"\", \"status\": \"SUCCESS\"}", 422, "task_id"),
            ("{\"task_id\": \"a\\u0001b\", \"status\": \"SUCCESS\"}", 422, "control"),
            (
                "{\"task_id\": \"\(String(repeating: "h", count: 192))\", \"status\": \"QUEUED\"}", 422,
                "longer than 191"
            ),
        ] as [(String, Int, String)])
    func badHookBodiesAreRejected(body: String, status: Int, message: String) async throws {
        try await withAPIServer { server async throws in
            let reply = try await TestHTTP.send("POST", server.hookURL, text: body)
            #expect(reply.status == status, "\(body): \(reply.text)")
            #expect(reply.errorMessage?.contains(message) == true, "\(body): \(reply.text)")
            #expect(try server.store.counts().tasks == 0)
        }
    }

    /// The hook is a shortcut, not the source of truth: a task announced by a callback keeps being
    /// polled, and the gateway's answer takes over.
    @Test func pollingReconcilesAfterAHook() async throws {
        let simulator = SunoSimulator(
            configuration: SimulatorConfiguration(timeScale: 0.01, models: [.anyMusic], earlyStartShare: 0),
            logger: quietLogger)
        try simulator.start()
        defer { simulator.stop() }
        let id = simulator.submit(action: "MUSIC", model: "chirp-v4", prompt: "a calm song")
        try await withAPIServer(gatewayURL: simulator.baseURL) { server async throws in
            let submitted = try #require(simulator.groundTruth().first { $0.id == id })
            let hook = try await TestHTTP.send(
                "POST", server.hookURL, json: taskItem(id, status: "QUEUED", submit: submitted.submitTime))
            #expect(hook.status == 202)
            #expect(try hook.object()["registered"] as? Bool == true)

            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, try server.store.task(id: id)?.outcome == nil {
                await server.assembly.collector.runCycle()
                try await Task.sleep(for: .milliseconds(100))
            }
            let task = try #require(try server.store.task(id: id))
            #expect(task.outcome == .success)
            #expect(task.status == "SUCCESS")
            #expect(task.model == "chirp-v4")
            #expect(task.pollCount > 0)
            let history = try server.store.history(id: id).map(\.status)
            #expect(history.first == "QUEUED")
            #expect(history.last == "SUCCESS")
        }
    }
}

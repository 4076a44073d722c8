import Foundation
import SunoExporterCore
import SunoStore
import SunoTestSupport
import Testing

/// The watch-list API of DESIGN.md §4 through a real libmicrohttpd daemon on a loopback port.
@Suite struct TaskAPITests {
    static let taskKeys: Set<String> = [
        "id", "action", "model", "status", "progress", "fail_reason", "submit_time", "start_time", "finish_time",
        "outcome", "labels", "first_seen", "last_polled",
    ]

    @Test func registerAnswers202WithAcceptedAndDuplicates() async throws {
        try await withAPIServer { server async throws in
            let first = try await TestHTTP.send(
                "POST", server.tasksURL,
                json: ["ids": ["t-1", "t-2", "t-3"], "action": "MUSIC", "model": "chirp-v4", "labels": ["team": "x"]])
            #expect(first.status == 202)
            #expect(first.header("content-type") == "application/json")
            let counts = try first.object()
            #expect(jsonInt(counts["accepted"]) == 3)
            #expect(jsonInt(counts["duplicates"]) == 0)
            // The 202 came after the commit: the rows are there the moment it arrives.
            #expect(try server.store.counts().tasks == 3)

            let again = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["t-3", "t-4", "t-4"]])
            #expect(again.status == 202)
            #expect(jsonInt(try again.object()["accepted"]) == 1)
            #expect(jsonInt(try again.object()["duplicates"]) == 2)

            let stored = try #require(try server.store.task(id: "t-1"))
            #expect(stored.action == .music)
            #expect(stored.model == "chirp-v4")
            #expect(stored.labels == ["team": "x"])
            // action defaults to MUSIC; model is optional.
            let defaulted = try #require(try server.store.task(id: "t-4"))
            #expect(defaulted.action == .music)
            #expect(defaulted.model == ModelName.unknown)
        }
    }

    /// Registering and forgetting show in /metrics shortly after, without a collector cycle (the
    /// collector is never started here, so only the API-triggered publish can show them).
    @Test func registrationsAndForgetsShowInMetricsWithoutACycle() async throws {
        try await withAPIServer { server async throws in
            func watched() async throws -> (notStarted: Double, registered: Double) {
                let reply = try await TestHTTP.send("GET", server.baseURL + "/metrics", body: nil)
                let samples = ExpositionSamples(String(decoding: reply.body, as: UTF8.self))
                return (
                    samples.sum("suno_tasks", ["status": "NOT_START"]),
                    samples.sum("suno_tasks_registered_total", ["source": "api"])
                )
            }
            func eventually(_ condition: @escaping ((notStarted: Double, registered: Double)) -> Bool) async throws
                -> Bool
            {
                for _ in 0..<300 {
                    if condition(try await watched()) { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return false
            }
            let added = try await TestHTTP.send(
                "POST", server.tasksURL, json: ["ids": ["m-1", "m-2", "m-3"], "action": "MUSIC"])
            #expect(added.status == 202)
            #expect(try await eventually { $0.notStarted == 3 && $0.registered == 3 })
            let forgotten = try await TestHTTP.send("DELETE", server.taskURL("m-2"), body: nil)
            #expect(forgotten.status == 204)
            #expect(try await eventually { $0.notStarted == 2 && $0.registered == 3 })
        }
    }

    /// A stream of changes (here 40 registrations in about 2 s) makes few publishes: one a quarter
    /// second after the first, then at most one per max(1 s, interval/5) = 3 s at the default 15 s.
    @Test func aStreamOfChangesMakesFewPublishes() async throws {
        try await withAPIServer { server async throws in
            let publisher = server.assembly.publisher
            let before = publisher.publishCount
            let started = ContinuousClock.now
            for index in 0..<40 {
                let reply = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["s-\(index)"]])
                #expect(reply.status == 202)
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(500))
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            // Whatever the pace on a loaded machine: one publish, then one per 3 s at most, plus the
            // one still pending when the stream ends.
            let allowed = 2 + UInt64(elapsed / 3)
            #expect(publisher.publishCount - before >= 1)
            #expect(publisher.publishCount - before <= allowed, "elapsed \(elapsed) s")
        }
    }

    @Test func listReturnsTheTaskShapeOfTheDesign() async throws {
        try await withAPIServer { server async throws in
            _ = try await TestHTTP.send(
                "POST", server.tasksURL, json: ["ids": ["l-1"], "action": "lyrics", "labels": ["team": "words"]])
            let reply = try await TestHTTP.send("GET", server.tasksURL)
            #expect(reply.status == 200)
            let body = try reply.object()
            #expect(body["next_offset"] is NSNull)
            let tasks = try #require(body["tasks"] as? [[String: Any]])
            #expect(tasks.count == 1)
            let task = try #require(tasks.first)
            #expect(Set(task.keys) == Self.taskKeys)
            #expect(task["id"] as? String == "l-1")
            #expect(task["action"] as? String == "LYRICS")
            #expect(task["model"] as? String == "unknown")
            #expect(task["status"] as? String == "NOT_START")
            #expect(task["outcome"] is NSNull)
            #expect(task["last_polled"] is NSNull)
            #expect(jsonInt(task["submit_time"]) == 0)
            #expect((task["first_seen"] as? NSNumber).map { $0.doubleValue > 1_700_000_000 } == true)
            #expect(task["labels"] as? [String: String] == ["team": "words"])
        }
    }

    @Test func listPagesWithLimitAndOffset() async throws {
        try await withAPIServer { server async throws in
            let ids = (0..<25).map { String(format: "p-%02d", $0) }
            #expect(try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ids]).status == 202)
            var seen: [String] = []
            var offset: Int? = 0
            var pages = 0
            while let current = offset {
                let reply = try await TestHTTP.send("GET", server.tasksURL + "?limit=10&offset=\(current)")
                #expect(reply.status == 200)
                let body = try reply.object()
                let tasks = try #require(body["tasks"] as? [[String: Any]])
                seen += tasks.compactMap { $0["id"] as? String }
                offset = jsonInt(body["next_offset"])
                pages += 1
                #expect(pages <= 3)
                if pages > 3 { break }
            }
            #expect(pages == 3)
            #expect(seen.count == 25)
            #expect(Set(seen) == Set(ids))

            let defaultPage = try await TestHTTP.send("GET", server.tasksURL).object()
            #expect((defaultPage["tasks"] as? [Any])?.count == 25)
            #expect(defaultPage["next_offset"] is NSNull)
        }
    }

    @Test func listFiltersByStatusActionAndModel() async throws {
        try await withAPIServer { server async throws in
            _ = try await TestHTTP.send(
                "POST", server.tasksURL, json: ["ids": ["m-1", "m-2"], "action": "MUSIC", "model": "chirp-v4"])
            _ = try await TestHTTP.send(
                "POST", server.tasksURL, json: ["ids": ["m-3"], "action": "MUSIC", "model": "chirp-crow"])
            _ = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["y-1"], "action": "LYRICS"])
            let now = Int64(Date().timeIntervalSince1970)
            let hook = try await TestHTTP.send(
                "POST", server.hookURL,
                json: taskItem(
                    "m-2", status: "SUCCESS", progress: "100%", submit: now - 60, start: now - 50, finish: now))
            #expect(hook.status == 202)

            func ids(_ query: String) async throws -> Set<String> {
                let reply = try await TestHTTP.send("GET", server.tasksURL + query)
                #expect(reply.status == 200, "\(query): \(reply.text)")
                let tasks = try #require(try reply.object()["tasks"] as? [[String: Any]])
                return Set(tasks.compactMap { $0["id"] as? String })
            }
            #expect(try await ids("?action=LYRICS") == ["y-1"])
            #expect(try await ids("?action=music") == ["m-1", "m-2", "m-3"])
            #expect(try await ids("?model=chirp-v4") == ["m-1", "m-2"])
            #expect(try await ids("?status=NOT_START") == ["m-1", "m-3", "y-1"])
            #expect(try await ids("?status=active") == ["m-1", "m-3", "y-1"])
            #expect(try await ids("?status=finished") == ["m-2"])
            #expect(try await ids("?status=success") == ["m-2"])
            #expect(try await ids("?status=SUCCESS&model=chirp-v4&action=MUSIC") == ["m-2"])
            #expect(try await ids("?status=&action=&model=") == ["m-1", "m-2", "m-3", "y-1"])
        }
    }

    @Test(arguments: [
        "?status=DONE", "?status=succes", "?action=VIDEO", "?limit=0", "?limit=1001", "?limit=ten", "?limit=-1",
        "?offset=-1", "?offset=x", "?offset=99999999999999999999",
    ])
    func badListQueriesAre400(query: String) async throws {
        try await withAPIServer { server async throws in
            let reply = try await TestHTTP.send("GET", server.tasksURL + query)
            #expect(reply.status == 400, "\(query): \(reply.text)")
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.errorMessage?.isEmpty == false)
        }
    }

    @Test func showReturnsTheTaskWithItsHistory() async throws {
        try await withAPIServer { server async throws in
            _ = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["s-1"], "model": "chirp-v4"])
            let now = Int64(Date().timeIntervalSince1970)
            for item in [
                taskItem("s-1", status: "IN_PROGRESS", submit: now - 30, start: now - 20),
                taskItem(
                    "s-1", status: "FAILURE", progress: "100%", failReason: "任务超时（1440分钟）", submit: now - 30,
                    start: now - 20, finish: now),
            ] {
                #expect(try await TestHTTP.send("POST", server.hookURL, json: item).status == 202)
            }
            let reply = try await TestHTTP.send("GET", server.taskURL("s-1"))
            #expect(reply.status == 200)
            let task = try reply.object()
            #expect(Set(task.keys) == Self.taskKeys.union(["history"]))
            #expect(task["status"] as? String == "FAILURE")
            #expect(task["outcome"] as? String == "failure")
            #expect(task["fail_reason"] as? String == "任务超时（1440分钟）")
            #expect(jsonInt(task["finish_time"]) == Int(now))
            let history = try #require(task["history"] as? [[String: Any]])
            #expect(history.map { $0["status"] as? String } == ["IN_PROGRESS", "FAILURE"])
            #expect(history.last?["fail_reason"] as? String == "任务超时（1440分钟）")
            #expect(history.last?["progress"] as? String == "100%")
            #expect(history.allSatisfy { $0["observed_at"] is NSNumber })
        }
    }

    @Test func unknownTaskIs404Json() async throws {
        try await withAPIServer { server async throws in
            let reply = try await TestHTTP.send("GET", server.taskURL("nope"))
            #expect(reply.status == 404)
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.errorMessage == "no such task: nope")
        }
    }

    @Test func idsWithReservedCharactersRoundTripPercentEncoded() async throws {
        try await withAPIServer { server async throws in
            // `/` and `%` are legal in an id; the server sees the decoded path and must not decode twice.
            let ids = ["team/a%41b", "ü-é?x=1#frag", "a+b&c"]
            #expect(try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ids]).status == 202)
            for id in ids {
                let reply = try await TestHTTP.send("GET", server.taskURL(id))
                #expect(reply.status == 200, "\(id): \(reply.text)")
                #expect(try reply.object()["id"] as? String == id)
            }
            #expect(try await TestHTTP.send("DELETE", server.taskURL("team/a%41b")).status == 204)
            #expect(try await TestHTTP.send("GET", server.taskURL("team/a%41b")).status == 404)
            #expect(try await TestHTTP.send("GET", server.taskURL("team/aAb")).status == 404)
        }
    }

    @Test func deleteForgetsTheTask() async throws {
        try await withAPIServer { server async throws in
            _ = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["d-1", "d-2"]])
            let deleted = try await TestHTTP.send("DELETE", server.taskURL("d-1"))
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(try await TestHTTP.send("GET", server.taskURL("d-1")).status == 404)
            let listed = try await TestHTTP.send("GET", server.tasksURL).object()
            #expect((listed["tasks"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["d-2"])
            let again = try await TestHTTP.send("DELETE", server.taskURL("d-1"))
            #expect(again.status == 404)
            #expect(again.errorMessage == "no such task: d-1")
            // Counters it fed stay: the registration is still counted.
            let registered = try server.store.aggregates().filter { $0.key.kind == .registered }.values.reduce(0, +)
            #expect(registered == 2)
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await withAPIServer { server async throws in
            for (method, url, allow) in [
                ("PUT", server.tasksURL, "GET, HEAD, POST"), ("DELETE", server.tasksURL, "GET, HEAD, POST"),
                ("PATCH", server.tasksURL, "GET, HEAD, POST"), ("POST", server.taskURL("x"), "GET, HEAD, DELETE"),
                ("PUT", server.taskURL("x"), "GET, HEAD, DELETE"), ("GET", server.hookURL, "POST"),
                ("DELETE", server.hookURL, "POST"),
            ] {
                let reply = try await TestHTTP.send(method, url)
                #expect(reply.status == 405, "\(method) \(url)")
                #expect(reply.header("allow") == allow, "\(method) \(url)")
                #expect(reply.errorMessage?.contains(method) == true)
            }
        }
    }

    @Test(arguments: [
        "/api/v1/task", "/api/v2/tasks", "/api/v1/tasks/", "/api/v1/hooks", "/api/v1/hooks/suno/x", "/api",
    ])
    func unknownPathIs404Json(path: String) async throws {
        try await withAPIServer { server async throws in
            let reply = try await TestHTTP.send("GET", server.baseURL + path)
            #expect(reply.status == 404, "\(path)")
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.errorMessage?.hasPrefix("no such path") == true)
        }
    }

    /// With a token (without one, text/plain and multipart are refused: see WriteOriginTests).
    @Test func bodyIsParsedAsJSONWhateverTheContentType() async throws {
        try await withAPIServer(apiToken: "ct-token") { server async throws in
            for (index, contentType) in [
                "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", nil,
            ].enumerated() {
                let reply = try await TestHTTP.send(
                    "POST", server.tasksURL, text: "{\"ids\":[\"ct-\(index)\"]}", contentType: contentType,
                    headers: ["Authorization": "Bearer ct-token"])
                #expect(reply.status == 202, "\(contentType ?? "none"): \(reply.text)")
            }
            #expect(try server.store.counts().tasks == 4)
        }
    }
}

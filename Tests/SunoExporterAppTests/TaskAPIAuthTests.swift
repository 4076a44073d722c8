import Foundation
import SunoExporterApp
import SunoHTTP
import SunoTestSupport
import Testing

/// Write authorization: a bearer token when `--web.api-token-file` is set, else loopback clients only.
@Suite struct TaskAPIAuthTests {
    static let token = "s3cret-token-Zx9"

    @Test func withATokenWritesNeedIt() async throws {
        try await withAPIServer(apiToken: Self.token) { server async throws in
            let body = ["ids": ["w-1"]]
            let missing = try await TestHTTP.send("POST", server.tasksURL, json: body)
            #expect(missing.status == 401)
            #expect(missing.header("www-authenticate") == "Bearer realm=\"suno-exporter\"")
            #expect(missing.errorMessage?.contains("missing bearer token") == true)

            for wrong in [
                "Bearer nope", "Bearer \(Self.token)x", "Bearer \(Self.token.dropLast())", "Bearer ",
                "Basic \(Self.token)",
                Self.token, "Bearer  \(Self.token.uppercased())",
            ] {
                let reply = try await TestHTTP.send(
                    "POST", server.tasksURL, json: body, headers: ["Authorization": wrong])
                #expect(reply.status == 401, "\(wrong)")
                #expect(reply.header("www-authenticate")?.hasPrefix("Bearer realm=\"suno-exporter\"") == true)
                #expect(reply.header("www-authenticate")?.contains("invalid_token") == true, "\(wrong)")
            }
            #expect(try server.store.counts().tasks == 0)

            // The token in the query is only for the hook receiver (the gateway cannot send headers).
            let queryToken = try await TestHTTP.send("POST", server.tasksURL + "?token=\(Self.token)", json: body)
            #expect(queryToken.status == 401)

            for good in ["Bearer \(Self.token)", "bearer \(Self.token)", "BEARER  \(Self.token) "] {
                let reply = try await TestHTTP.send(
                    "POST", server.tasksURL, json: body, headers: ["Authorization": good])
                #expect(reply.status == 202, "\(good): \(reply.text)")
            }
            #expect(try server.store.counts().tasks == 1)

            let unauthorizedDelete = try await TestHTTP.send("DELETE", server.taskURL("w-1"))
            #expect(unauthorizedDelete.status == 401)
            let delete = try await TestHTTP.send(
                "DELETE", server.taskURL("w-1"), headers: ["Authorization": "Bearer \(Self.token)"])
            #expect(delete.status == 204)
        }
    }

    @Test func withATokenReadsStayOpen() async throws {
        try await withAPIServer(apiToken: Self.token) { server async throws in
            #expect(try await TestHTTP.send("GET", server.tasksURL).status == 200)
            #expect(try await TestHTTP.send("GET", server.taskURL("none")).status == 404)
            #expect(try await TestHTTP.send("GET", server.baseURL + "/metrics").status == 200)
            #expect(try await TestHTTP.send("GET", server.baseURL + "/").status == 200)
        }
    }

    @Test func hookTakesTheTokenFromTheHeaderOrTheQuery() async throws {
        try await withAPIServer(apiToken: Self.token) { server async throws in
            let item = taskItem("h-1", status: "QUEUED", submit: Int64(Date().timeIntervalSince1970))
            #expect(try await TestHTTP.send("POST", server.hookURL, json: item).status == 401)
            #expect(try await TestHTTP.send("POST", server.hookURL + "?token=wrong", json: item).status == 401)
            #expect(try await TestHTTP.send("POST", server.hookURL + "?token=\(Self.token)", json: item).status == 202)
            let header = try await TestHTTP.send(
                "POST", server.hookURL, json: taskItem("h-2", status: "QUEUED", submit: 1_800_000_000),
                headers: ["Authorization": "Bearer \(Self.token)"])
            #expect(header.status == 202)
            #expect(try server.store.counts().tasks == 2)
        }
    }

    @Test func withATokenLoopbackIsNotEnough() async throws {
        try await withAPIServer(apiToken: Self.token) { server async throws in
            let api = TaskAPI(store: server.store, collector: server.assembly.collector, apiToken: Self.token)
            let request = HTTPRequest(
                method: "POST", path: "/api/v1/tasks", body: Array("{\"ids\":[\"x\"]}".utf8), isFromLoopback: true)
            #expect(api.handle(request).status == 401)
            let remote = HTTPRequest(
                method: "POST", path: "/api/v1/tasks", headers: [("Authorization", "Bearer \(Self.token)")],
                body: Array("{\"ids\":[\"x\"]}".utf8), isFromLoopback: false)
            #expect(api.handle(remote).status == 202)
        }
    }

    @Test func withoutATokenOnlyLoopbackClientsMayWrite() async throws {
        try await withAPIServer { server async throws in
            let api = TaskAPI(store: server.store, collector: server.assembly.collector, apiToken: nil)
            let body = Array("{\"ids\":[\"r-1\"]}".utf8)
            let hook = Array(
                "{\"task_id\":\"r-2\",\"action\":\"MUSIC\",\"status\":\"QUEUED\",\"submit_time\":1800000000}".utf8)
            for (method, path, payload) in [
                ("POST", "/api/v1/tasks", body), ("DELETE", "/api/v1/tasks/r-1", []),
                ("POST", "/api/v1/hooks/suno", hook),
            ] {
                let remote = api.handle(HTTPRequest(method: method, path: path, body: payload, isFromLoopback: false))
                #expect(remote.status == 403, "\(method) \(path)")
                #expect(String(decoding: remote.body.array, as: UTF8.self).contains("loopback clients only"))
                // A bearer token does not help when none is configured.
                let withHeader = api.handle(
                    HTTPRequest(
                        method: method, path: path, headers: [("Authorization", "Bearer anything")], body: payload,
                        isFromLoopback: false))
                #expect(withHeader.status == 403)
            }
            #expect(try server.store.counts().tasks == 0)

            // Reads stay open to everyone.
            let read = api.handle(HTTPRequest(method: "GET", path: "/api/v1/tasks", isFromLoopback: false))
            #expect(read.status == 200)

            // The same writes from loopback, over the real daemon.
            #expect(try await TestHTTP.send("POST", server.tasksURL, body: Data(body)).status == 202)
            #expect(try await TestHTTP.send("POST", server.hookURL, body: Data(hook)).status == 202)
            #expect(try await TestHTTP.send("DELETE", server.taskURL("r-1")).status == 204)
        }
    }

    @Test func withoutATokenCrossSiteBrowserWritesAreRefused() async throws {
        try await withAPIServer { server async throws in
            let body = ["ids": ["o-1"]]
            let evil = try await TestHTTP.send(
                "POST", server.tasksURL, json: body, headers: ["Origin": "https://evil.example"])
            #expect(evil.status == 403)
            #expect(evil.errorMessage?.contains("cross-origin") == true)
            let opaque = try await TestHTTP.send("POST", server.tasksURL, json: body, headers: ["Origin": "null"])
            #expect(opaque.status == 403)
            #expect(try server.store.counts().tasks == 0)
            for origin in ["http://localhost:9877", "http://127.0.0.1:\(server.port)", "http://[::1]:9877"] {
                let reply = try await TestHTTP.send("POST", server.tasksURL, json: body, headers: ["Origin": origin])
                #expect(reply.status == 202, "\(origin)")
            }
        }
    }

    @Test func errorsComeInOrderPathMethodAuthBody() async throws {
        try await withAPIServer(apiToken: Self.token) { server async throws in
            // Unknown path beats auth; a wrong method beats auth; auth beats a bad body.
            #expect(try await TestHTTP.send("POST", server.baseURL + "/api/v1/nope", text: "x").status == 404)
            #expect(try await TestHTTP.send("PUT", server.tasksURL, text: "x").status == 405)
            #expect(try await TestHTTP.send("POST", server.tasksURL, text: "not json").status == 401)
            let bad = try await TestHTTP.send(
                "POST", server.tasksURL, text: "not json", headers: ["Authorization": "Bearer \(Self.token)"])
            #expect(bad.status == 400)
        }
    }
}

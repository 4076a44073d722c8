import Foundation
import SunoStore
import SunoTestSupport
import Testing

@testable import SunoExporterApp

/// Without a token file, a browser page on another site must not write through a browser running on the
/// exporter's host: its `Origin` is parsed, not prefix-matched, and form-only body types are refused.
@Suite struct WriteOriginTests {
    static let hostileOrigins = [
        "http://127.evil.com", "http://127.0.0.1.evil.com", "http://127.0.0.1.nip.io", "https://127.0.0.1.nip.io:9877",
        "http://localhost.evil.com", "http://evil.localhost", "http://127.0.0.1@evil.com", "http://[::1].evil.com",
        "http://127.0.0.1:9877.evil.com", "http://127.1", "http://0177.0.0.1", "ftp://127.0.0.1", "null", "127.0.0.1",
        "http://127.0.0.1/", "http://127.0.0.256", "http://[::2]",
    ]

    @Test func hostileOriginsCannotRegisterHookOrForget() async throws {
        try await withAPIServer { server async throws in
            try server.store.register([.init(id: "kept", action: .music, model: nil)], source: "api", now: 1)
            let hook = taskItem("hooked", status: "SUCCESS", progress: "100%", submit: 1_800_000_000)
            for origin in Self.hostileOrigins {
                let register = try await TestHTTP.send(
                    "POST", server.tasksURL, json: ["ids": ["evil-1"]], headers: ["Origin": origin])
                #expect(register.status == 403, "register from \(origin)")
                let hooked = try await TestHTTP.send("POST", server.hookURL, json: hook, headers: ["Origin": origin])
                #expect(hooked.status == 403, "hook from \(origin)")
                let forget = try await TestHTTP.send("DELETE", server.taskURL("kept"), headers: ["Origin": origin])
                #expect(forget.status == 403, "forget from \(origin)")
            }
            #expect(try server.store.counts().tasks == 1)
            #expect(try server.store.task(id: "kept") != nil)
        }
    }

    @Test func loopbackOriginsStillWrite() async throws {
        try await withAPIServer { server async throws in
            for (index, origin) in [
                "http://localhost", "http://LOCALHOST:9877", "https://127.0.0.1:\(server.port)", "http://127.255.0.9",
                "http://[::1]:9877", "http://[::1]",
            ].enumerated() {
                let reply = try await TestHTTP.send(
                    "POST", server.tasksURL, json: ["ids": ["ok-\(index)"]], headers: ["Origin": origin])
                #expect(reply.status == 202, "\(origin): \(reply.text)")
            }
        }
    }

    @Test func formOnlyBodyTypesAreRefusedWithoutAToken() async throws {
        try await withAPIServer { server async throws in
            // An HTML form with enctype=text/plain can produce exactly this body, with no preflight.
            let body = #"{"ids":["form-1"],"x":"="}"#
            for type in ["text/plain", "Text/Plain; charset=UTF-8", "multipart/form-data; boundary=x"] {
                let reply = try await TestHTTP.send("POST", server.tasksURL, text: body, contentType: type)
                #expect(reply.status == 415, "\(type)")
                let hook = try await TestHTTP.send(
                    "POST", server.hookURL, text: #"{"task_id":"h","status":"SUCCESS"}"#, contentType: type)
                #expect(hook.status == 415, "\(type)")
            }
            #expect(try server.store.counts().tasks == 0)
            // curl -d (urlencoded), JSON and no type at all keep working.
            for (index, type) in ["application/x-www-form-urlencoded", "application/json", nil].enumerated() {
                let reply = try await TestHTTP.send(
                    "POST", server.tasksURL, text: #"{"ids":["ok-\#(index)"]}"#, contentType: type)
                #expect(reply.status == 202, "\(type ?? "none")")
            }
        }
    }

    @Test func withATokenTheContentTypeDoesNotMatter() async throws {
        try await withAPIServer(apiToken: "tok-123") { server async throws in
            let reply = try await TestHTTP.send(
                "POST", server.tasksURL, text: #"{"ids":["t-1"]}"#, contentType: "text/plain",
                headers: ["Authorization": "Bearer tok-123"])
            #expect(reply.status == 202)
        }
    }

    @Test func originParsing() {
        for origin in Self.hostileOrigins {
            #expect(!WriteAuthorization.isLoopbackOrigin(origin), "\(origin)")
        }
        for origin in ["http://localhost", "http://127.0.0.1:1", "http://127.0.0.1:65535", "http://[::1]:80"] {
            #expect(WriteAuthorization.isLoopbackOrigin(origin), "\(origin)")
        }
        for origin in ["http://127.0.0.1:0", "http://127.0.0.1:65536", "http://127.0.0.1:", "http://[::1]x"] {
            #expect(!WriteAuthorization.isLoopbackOrigin(origin), "\(origin)")
        }
    }
}

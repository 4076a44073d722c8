import Foundation
import SunoTestSupport
import Testing

/// The task API under hostile paths and bodies, over the real daemon: dot segments and encoded slashes
/// are parts of an id (never a way to another resource), bodies that are not UTF-8 are refused, and
/// the server keeps answering.
@Suite struct HostileAPITests {
    @Test func dotSegmentsAndEncodedSlashesAreOnlyIDs() async throws {
        try await withAPIServer { server async throws in
            for path in ["..%2F..%2Fmetrics", "%2e%2e", "..", "a%2Fb", "%2F", "..%5C..%5Cetc%5Cpasswd"] {
                let reply = try rawExchange(
                    port: server.port, "GET /api/v1/tasks/\(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                #expect(reply.statuses == [404], "\(path)")
                #expect(reply.answers.first?.body.contains("no such task") == true, "\(path)")
            }
            // Such ids are registered, shown and forgotten like any other, with the id percent-encoded.
            let odd = ["../metrics", "a/b", "..", "%41", "x?y#z"]
            let registered = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": odd])
            #expect(registered.status == 202, "\(registered.text)")
            for id in odd {
                // Every byte but letters and digits escaped: a client would resolve a literal `..` itself.
                let escaped = id.utf8.map { byte in
                    (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
                        ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
                }.joined()
                let shown = try await TestHTTP.send("GET", server.tasksURL + "/" + escaped)
                #expect(shown.status == 200, "\(id) as \(escaped)")
                #expect(try shown.object()["id"] as? String == id)
            }
            #expect(try await TestHTTP.send("DELETE", server.tasksURL + "/%2E%2E%2Fmetrics").status == 204)
            #expect(try await TestHTTP.send("GET", server.baseURL + "/metrics").status == 200)
        }
    }

    @Test func bodiesThatAreNotUTF8AreRefused() async throws {
        try await withAPIServer { server async throws in
            for body in [[0xFF, 0xFE, 0x7B], Array(#"{"ids":["a"#.utf8) + [0xC3, 0x28] + Array(#""]}"#.utf8)]
                as [[UInt8]]
            {
                let tasks = try await TestHTTP.send("POST", server.tasksURL, body: Data(body))
                #expect(tasks.status == 400, "\(tasks.text)")
                let hook = try await TestHTTP.send("POST", server.hookURL, body: Data(body))
                #expect(hook.status == 400, "\(hook.text)")
            }
            #expect(try server.store.counts().tasks == 0)
        }
    }
}

import Foundation
import SunoTestSupport
import Testing

/// Every bad registration body gets the right 4xx with a JSON error, and nothing of it is stored.
@Suite struct TaskAPIValidationTests {
    struct BadBody: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var status: Int
        /// A fragment the error message must contain.
        var message: String

        var testDescription: String { name }
    }

    static let longID = String(repeating: "x", count: 192)
    static let tooMany = "[" + (0...1000).map { "\"n-\($0)\"" }.joined(separator: ",") + "]"

    static let badBodies: [BadBody] = [
        BadBody(name: "empty body", body: "", status: 400, message: "empty"),
        BadBody(name: "malformed JSON", body: "{\"ids\": [\"a\",", status: 400, message: "not valid JSON"),
        BadBody(name: "not JSON at all", body: "ids=a&ids=b", status: 400, message: "not valid JSON"),
        BadBody(
            name: "deep nesting", body: String(repeating: "[", count: 100_000), status: 400, message: "not valid JSON"),
        BadBody(name: "top-level array", body: "[\"a\"]", status: 422, message: "JSON object"),
        BadBody(name: "top-level string", body: "\"a\"", status: 422, message: "JSON object"),
        BadBody(name: "ids missing", body: "{\"action\": \"MUSIC\"}", status: 422, message: "\"ids\" is missing"),
        BadBody(name: "ids null", body: "{\"ids\": null}", status: 422, message: "array of strings"),
        BadBody(name: "ids a string", body: "{\"ids\": \"a\"}", status: 422, message: "array of strings"),
        BadBody(name: "ids an object", body: "{\"ids\": {\"a\": 1}}", status: 422, message: "array of strings"),
        BadBody(name: "ids empty", body: "{\"ids\": []}", status: 422, message: "\"ids\" is empty"),
        BadBody(name: "too many ids", body: "{\"ids\": \(tooMany)}", status: 422, message: "at most 1000"),
        BadBody(name: "id a number", body: "{\"ids\": [\"ok\", 12]}", status: 422, message: "ids[1] is not a string"),
        BadBody(name: "id null", body: "{\"ids\": [null]}", status: 422, message: "ids[0] is not a string"),
        BadBody(name: "id empty", body: "{\"ids\": [\"ok\", \"\"]}", status: 422, message: "ids[1]: task id is empty"),
        BadBody(name: "id too long", body: "{\"ids\": [\"\(longID)\"]}", status: 422, message: "longer than 191"),
        BadBody(name: "id with NUL", body: "{\"ids\": [\"a\\u0000b\"]}", status: 422, message: "control"),
        BadBody(name: "id with newline", body: "{\"ids\": [\"a\\nb\"]}", status: 422, message: "control"),
        BadBody(name: "id with DEL", body: "{\"ids\": [\"a\\u007fb\"]}", status: 422, message: "control"),
        BadBody(name: "id with space", body: "{\"ids\": [\"a b\"]}", status: 422, message: "whitespace"),
        BadBody(
            name: "unknown action", body: "{\"ids\": [\"a\"], \"action\": \"VIDEO\"}", status: 422,
            message: "unknown action"),
        BadBody(
            name: "action a number", body: "{\"ids\": [\"a\"], \"action\": 1}", status: 422,
            message: "\"action\" must be a string"),
        BadBody(name: "model a number", body: "{\"ids\": [\"a\"], \"model\": 4}", status: 422, message: "\"model\""),
        BadBody(
            name: "model too long", body: "{\"ids\": [\"a\"], \"model\": \"\(String(repeating: "m", count: 65))\"}",
            status: 422, message: "model longer"),
        BadBody(
            name: "labels an array", body: "{\"ids\": [\"a\"], \"labels\": [\"x\"]}", status: 422, message: "\"labels\""
        ),
        BadBody(
            name: "label value a number", body: "{\"ids\": [\"a\"], \"labels\": {\"team\": 1}}", status: 422,
            message: "label \"team\""),
        BadBody(
            name: "bad label name", body: "{\"ids\": [\"a\"], \"labels\": {\"1team\": \"x\"}}", status: 422,
            message: "label name"),
    ]

    @Test(arguments: badBodies)
    func badBodyIsRejectedAndNothingIsStored(_ bad: BadBody) async throws {
        try await withAPIServer { server async throws in
            let reply = try await TestHTTP.send("POST", server.tasksURL, text: bad.body)
            #expect(reply.status == bad.status, "\(bad.name): \(reply.text)")
            #expect(reply.header("content-type") == "application/json")
            let message = try #require(reply.errorMessage, "\(bad.name): not a JSON error: \(reply.text)")
            #expect(message.contains(bad.message), "\(bad.name): \(message)")
            #expect(try server.store.counts().tasks == 0, "\(bad.name) stored something")
        }
    }

    @Test func invalidUTF8Is400() async throws {
        try await withAPIServer { server async throws in
            let body = Data("{\"ids\": [\"a".utf8) + Data([0xff, 0xfe]) + Data("\"]}".utf8)
            let reply = try await TestHTTP.send("POST", server.tasksURL, body: body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.errorMessage?.contains("not valid JSON") == true)
            #expect(try server.store.counts().tasks == 0)
        }
    }

    @Test func oneBadIdRejectsTheWholeBatch() async throws {
        try await withAPIServer { server async throws in
            let ids = (0..<999).map { "good-\($0)" } + [Self.longID]
            let reply = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ids])
            #expect(reply.status == 422)
            #expect(reply.errorMessage?.hasPrefix("ids[999]:") == true)
            #expect(try server.store.counts().tasks == 0)
            #expect(try server.store.aggregates().isEmpty)
        }
    }

    @Test func exactlyOneThousandIdsAreAccepted() async throws {
        try await withAPIServer { server async throws in
            let ids = (0..<1000).map { "k-\($0)" }
            let reply = try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ids])
            #expect(reply.status == 202)
            #expect(jsonInt(try reply.object()["accepted"]) == 1000)
            #expect(try server.store.counts().tasks == 1000)
        }
    }

    @Test func longestValidIdIsAccepted() async throws {
        try await withAPIServer { server async throws in
            let id = String(repeating: "é", count: 191)
            #expect(try await TestHTTP.send("POST", server.tasksURL, json: ["ids": [id]]).status == 202)
            #expect(try await TestHTTP.send("GET", server.taskURL(id)).status == 200)
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await withAPIServer { server async throws in
            // Valid JSON just above 1 MiB: the size alone is the problem.
            let padding = String(repeating: " ", count: 1 << 20)
            let reply = try await TestHTTP.send("POST", server.tasksURL, text: "{\"ids\": [\"big\"]}" + padding)
            #expect(reply.status == 413)
            #expect(reply.errorMessage?.contains("larger than") == true)
            #expect(try server.store.counts().tasks == 0)
            // The daemon still serves after refusing it.
            #expect(try await TestHTTP.send("POST", server.tasksURL, json: ["ids": ["small"]]).status == 202)
        }
    }

    @Test func unknownMembersAreIgnoredAndNullsMeanAbsent() async throws {
        try await withAPIServer { server async throws in
            let reply = try await TestHTTP.send(
                "POST", server.tasksURL,
                text:
                    "{\"ids\": [\"u-1\"], \"action\": null, \"model\": null, \"labels\": null, \"extra\": {\"x\": [1]}}"
            )
            #expect(reply.status == 202, "\(reply.text)")
            #expect(try server.store.task(id: "u-1")?.action == .music)
        }
    }
}

import Foundation
import Logging
import SunoExporterApp
import SunoExporterCore
import SunoStore
import SunoUpstream
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP answer of the exporter, as a test sees it.
struct APIReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The body as a JSON object (fails the test when it is not one).
    func object(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
    }

    /// `error` of a JSON error body (nil when the body is not one).
    var errorMessage: String? {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? String
    }
}

/// Requests to the exporter over real HTTP (URLSession), each bounded by a timeout.
enum APIClient {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        configuration.httpMaximumConnectionsPerHost = 16
        return URLSession(configuration: configuration)
    }()

    static func send(
        _ method: String, _ url: String, body: Data? = nil, contentType: String? = "application/json",
        headers: [String: String] = [:]
    ) async throws -> APIReply {
        var request = URLRequest(url: try #require(URL(string: url), "bad URL \(url)"))
        request.httpMethod = method
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return APIReply(status: http.statusCode, headers: fields, body: data)
    }

    static func send(
        _ method: String, _ url: String, text: String, contentType: String? = "application/json",
        headers: [String: String] = [:]
    ) async throws -> APIReply {
        try await send(method, url, body: Data(text.utf8), contentType: contentType, headers: headers)
    }

    static func send(
        _ method: String, _ url: String, json: [String: Any], headers: [String: String] = [:]
    ) async throws -> APIReply {
        try await send(method, url, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }
}

/// A fully assembled exporter (store on a temporary SQLite file, collector, router, libmicrohttpd
/// daemon on 127.0.0.1 port 0). The collector is not started: tests drive it when they need it.
final class APITestServer: Sendable {
    let directory: URL
    let assembly: ExporterApp.Assembly
    let port: UInt16

    /// A gateway URL nothing listens on (the discard port): a cycle fails fast without network.
    static let deadGateway = "http://127.0.0.1:9"

    init(
        apiToken: String? = nil, apiKey: APIKey? = nil, gatewayURL: String = deadGateway,
        collector: CollectorSettings = CollectorSettings()
    ) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("suno-api-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = ServeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), apiToken: apiToken, baseURL: gatewayURL, apiKey: apiKey,
            storagePath: directory.appendingPathComponent("exporter.db").path, requestTimeout: 5, collector: collector)
        do {
            assembly = try ExporterApp.assemble(
                configuration, baseURL: gatewayURL, logger: Logger(label: "test.api") { _ in SwiftLogNoOpLogHandler() })
            port = try assembly.server.start()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    var store: TaskStore { assembly.store }
    var databasePath: String { assembly.store.path }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var tasksURL: String { baseURL + "/api/v1/tasks" }
    var hookURL: String { baseURL + "/api/v1/hooks/suno" }

    /// `/api/v1/tasks/{id}` with the id percent-encoded as one path segment.
    func taskURL(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return tasksURL + "/" + (id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id)
    }

    func stop() {
        assembly.server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` against a fresh server and always stops it and deletes its files.
func withAPIServer(
    apiToken: String? = nil, apiKey: APIKey? = nil, gatewayURL: String = APITestServer.deadGateway,
    collector: CollectorSettings = CollectorSettings(), _ body: (APITestServer) async throws -> Void
) async throws {
    let server = try APITestServer(apiToken: apiToken, apiKey: apiKey, gatewayURL: gatewayURL, collector: collector)
    defer { server.stop() }
    try await body(server)
}

/// A gateway task item, as the fetch answer and the notify_hook body carry it.
func taskItem(
    _ id: String, action: String = "MUSIC", status: String, progress: String = "0%", failReason: String = "",
    submit: Int64, start: Int64 = 0, finish: Int64 = 0, model: String? = nil
) -> [String: Any] {
    var data: Any = NSNull()
    if let model {
        data = [["id": "clip-\(id)", "status": status == "SUCCESS" ? "complete" : "queued", "model_name": model]]
    }
    return [
        "task_id": id, "notify_hook": "", "action": action, "status": status, "fail_reason": failReason,
        "submit_time": submit, "start_time": start, "finish_time": finish, "progress": progress, "data": data,
    ]
}

/// The integer value of a JSON number.
func jsonInt(_ value: Any?) -> Int? {
    (value as? NSNumber)?.intValue
}

/// A flag shared with concurrent tasks.
final class APITestFlag: Sendable {
    private let value: Atomic<Bool>
    init(_ initial: Bool) { value = Atomic(initial) }
    var isSet: Bool { value.load(ordering: .acquiring) }
    func clear() { value.store(false, ordering: .releasing) }
}

/// Values appended by concurrent tasks.
final class APITestLog<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

/// What a finished child process left behind.
struct ProcessRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` and waits for it without blocking a thread; it is terminated after `timeout`
/// seconds. Output goes through temporary files, so a chatty child can never block on a full pipe.
func runProcess(
    _ executable: URL, _ arguments: [String], stdin: String? = nil, timeout: Double = 60
) async throws -> ProcessRun {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("suno-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("out")
    let errURL = directory.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
            return
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            // Only the child started here, by its own handle.
            if process.isRunning { process.terminate() }
        }
    }
    return ProcessRun(
        status: status, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

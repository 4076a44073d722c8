import Foundation
import Logging
import SunoExporterCore

/// The gateway's task API over libcurl (`CurlTransport`; COMETAPI.md §2–§4).
///
/// Each call may take several attempts (`RetryPolicy`); every attempt that got an outcome is
/// reported once to `onCall`, the source of the upstream self-metrics. Attempts cut short by
/// cancellation have no outcome and are not reported.
public final class GatewayClient: TaskStatusSource, Sendable {
    /// Waits between attempts; throws when the waiting task is cancelled.
    public typealias Sleep = @Sendable (Duration) async throws -> Void

    let configuration: GatewayClientConfiguration
    let policy: RetryPolicy
    let logger: Logger
    let onCall: @Sendable (UpstreamCall) -> Void
    /// Told about task items (or fields) of 2xx answers that were set aside; the rest was used.
    let onRejectedItems: @Sendable ([ItemRejection]) -> Void
    let rejectionLog = ItemRejectionLog()
    let sleep: Sleep
    /// Keep-alive connections for the client's life, at most `maxConnections` of them.
    let transport: CurlTransport

    /// - Parameters:
    ///   - onCall: told about every attempt, synchronously, on the calling task.
    ///   - sleep: the wait between attempts; tests inject one that records instead of sleeping.
    ///   - onRejectedItems: told about task items of usable answers that were set aside (and logged once).
    public convenience init(
        configuration: GatewayClientConfiguration, logger: Logger,
        onCall: @escaping @Sendable (UpstreamCall) -> Void = { _ in },
        sleep: @escaping Sleep = { duration in try await Task.sleep(for: duration) },
        onRejectedItems: @escaping @Sendable ([ItemRejection]) -> Void = { _ in }
    ) {
        self.init(
            configuration: configuration, logger: logger, onCall: onCall, sleep: sleep,
            maximumBodyBytes: CurlTransport.maximumBodyBytes, onRejectedItems: onRejectedItems)
    }

    /// - Parameter maximumBodyBytes: answers larger than this are refused; tests lower it.
    init(
        configuration: GatewayClientConfiguration, logger: Logger, onCall: @escaping @Sendable (UpstreamCall) -> Void,
        sleep: @escaping Sleep, maximumBodyBytes: Int,
        onRejectedItems: @escaping @Sendable ([ItemRejection]) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.policy = configuration.retryPolicy
        self.logger = logger
        self.onCall = onCall
        self.onRejectedItems = onRejectedItems
        self.sleep = sleep
        transport = CurlTransport(maxConnections: configuration.maxConnections, maximumBodyBytes: maximumBodyBytes)
    }

    /// `POST {base}/suno/fetch` with `{"ids":[…],"action":"…"}`. Unknown ids are absent from the
    /// result and `data: null` is an empty result (COMETAPI.md §3). An empty `ids` returns [] without a call.
    public func fetch(ids: [String], action: TaskAction) async throws(UpstreamError) -> [TaskObservation] {
        guard !ids.isEmpty else { return [] }
        guard let url = configuration.endpointURL("/suno/fetch") else { throw .transport("badURL") }
        var request = makeRequest(url: url, method: .post)
        request.headers.append("Content-Type: application/json")
        request.body = FetchRequestBody.json(ids: ids, action: action.rawValue)
        return try await call(
            endpoint: UpstreamCall.fetchEndpoint, request: request, metadata: ["upstream.ids": "\(ids.count)"]
        ) { answer in
            guard answer.isSuccess else { return .failed }
            do throws(GatewayDecodingError) {
                let decoded = try GatewayDecoder.readFetchAnswer(answer.body)
                report(decoded.rejections, endpoint: UpstreamCall.fetchEndpoint)
                return .value(decoded.items)
            } catch {
                return .undecodable(error.description)
            }
        }
    }

    /// `GET {base}/suno/fetch/{id}`: the one task, or nil when the gateway does not know it
    /// (400 `task_not_exist` in new-api, 404 in one-hub; COMETAPI.md §4).
    public func fetchOne(id: String) async throws(UpstreamError) -> TaskObservation? {
        var segment = CharacterSet.urlPathAllowed
        segment.remove(charactersIn: "/;")
        guard !id.isEmpty, let encoded = id.addingPercentEncoding(withAllowedCharacters: segment) else { return nil }
        guard let url = configuration.endpointURL("/suno/fetch/" + encoded) else { throw .transport("badURL") }
        let request = makeRequest(url: url, method: .get)
        return try await call(endpoint: UpstreamCall.fetchOneEndpoint, request: request, metadata: [:]) { answer in
            if answer.isSuccess {
                do throws(GatewayDecodingError) {
                    return .value(try GatewayDecoder.decodeTaskItem(answer.body))
                } catch {
                    return .undecodable(error.description)
                }
            }
            if answer.status == 400 || answer.status == 404, TaskErrorEnvelope.isTaskNotExist(answer.body) {
                return .value(nil)
            }
            return .failed
        }
    }

    /// A request with the headers every call carries. "Expect:" turns off libcurl's 100-continue
    /// handshake for larger bodies (a round trip, or a 1 s wait with servers that never answer it).
    private func makeRequest(url: URL, method: HTTPExchange.Method) -> HTTPExchange {
        var headers = ["Accept: application/json", "User-Agent: \(configuration.userAgent)", "Expect:"]
        if let key = configuration.apiKey, !key.isEmpty {
            headers.append("Authorization: Bearer \(key.secret)")
        }
        return HTTPExchange(method: method, url: url.absoluteString, headers: headers)
    }
}

/// The batch fetch body (COMETAPI.md §3), `{"action":"…","ids":[…]}`, written directly: it is
/// made for every request, and a JSONEncoder costs more than the rest of building it.
enum FetchRequestBody {
    static func json(ids: [String], action: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + ids.reduce(0) { $0 + $1.utf8.count + 3 })
        bytes.append(contentsOf: #"{"action":"#.utf8)
        appendString(action, to: &bytes)
        bytes.append(contentsOf: #","ids":["#.utf8)
        for (index, id) in ids.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(id, to: &bytes)
        }
        bytes.append(contentsOf: "]}".utf8)
        return bytes
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xf)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Just enough of the task error envelope `{"code","message","data"}` to recognise "unknown id".
private struct TaskErrorEnvelope: Decodable {
    var code: String?
    var message: String?

    static func isTaskNotExist(_ body: [UInt8]) -> Bool {
        guard let envelope = try? JSONDecoder().decode(TaskErrorEnvelope.self, from: Data(body)) else { return false }
        return envelope.code == "task_not_exist" || envelope.message == "task_not_exist"
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for Foundation APIs.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

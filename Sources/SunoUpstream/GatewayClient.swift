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
                return .value(withoutKey(decoded.items))
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
                    return .value(withoutKey([try GatewayDecoder.decodeTaskItem(answer.body)]).first)
                } catch {
                    return .undecodable(error.description)
                }
            }
            if answer.status == 400 || answer.status == 404, GatewayDecoder.isTaskNotExist(answer.body) {
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

/// The batch fetch body (COMETAPI.md §3), `{"action":"…","ids":[…]}`, written by the core's one JSON
/// writer (member order as the gateway documents it).
enum FetchRequestBody {
    static func json(ids: [String], action: String) -> [UInt8] {
        JSONValue.object(["action": .string(action), "ids": .array(ids.map(JSONValue.string))]).bytes
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for Foundation APIs.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

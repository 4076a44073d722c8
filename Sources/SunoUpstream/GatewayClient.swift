import Foundation
import Logging
import SunoExporterCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The gateway's task API over one shared `URLSession` (COMETAPI.md §2–§4).
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
    let sleep: Sleep
    /// One session for the client's life: keep-alive connections are reused, and a session per
    /// request has a known teardown race on Linux (NOTES-swift-linux.md §D).
    let session: URLSession

    /// - Parameters:
    ///   - onCall: told about every attempt, synchronously, on the calling task.
    ///   - sleep: the wait between attempts; tests inject one that records instead of sleeping.
    public init(
        configuration: GatewayClientConfiguration, logger: Logger,
        onCall: @escaping @Sendable (UpstreamCall) -> Void = { _ in },
        sleep: @escaping Sleep = { duration in try await Task.sleep(for: duration) }
    ) {
        self.configuration = configuration
        self.policy = configuration.retryPolicy
        self.logger = logger
        self.onCall = onCall
        self.sleep = sleep
        let timeout = configuration.requestTimeout.urlSessionTimeout
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpMaximumConnectionsPerHost = max(1, configuration.maxConnections)
        sessionConfiguration.timeoutIntervalForRequest = timeout
        sessionConfiguration.timeoutIntervalForResource = timeout
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.urlCache = nil
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.httpShouldSetCookies = false
        session = URLSession(configuration: sessionConfiguration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// `POST {base}/suno/fetch` with `{"ids":[…],"action":"…"}`. Unknown ids are absent from the
    /// result and `data: null` is an empty result (COMETAPI.md §3). An empty `ids` returns [] without a call.
    public func fetch(ids: [String], action: TaskAction) async throws(UpstreamError) -> [TaskObservation] {
        guard !ids.isEmpty else { return [] }
        guard let url = configuration.endpointURL("/suno/fetch") else { throw .transport(URLError.Code.badURL.name) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(FetchRequestBody(ids: ids, action: action.rawValue)) else {
            throw .transport("requestEncoding")
        }
        var request = makeRequest(url: url, method: "POST")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return try await call(
            endpoint: UpstreamCall.fetchEndpoint, request: request, metadata: ["upstream.ids": "\(ids.count)"]
        ) { answer in
            guard answer.isSuccess else { return .failed }
            do throws(GatewayDecodingError) {
                return .value(try GatewayDecoder.decodeFetchAnswer(answer.body))
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
        guard let url = configuration.endpointURL("/suno/fetch/" + encoded) else {
            throw .transport(URLError.Code.badURL.name)
        }
        let request = makeRequest(url: url, method: "GET")
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

    /// A request with the headers every call carries.
    private func makeRequest(url: URL, method: String) -> URLRequest {
        var request = URLRequest(
            url: url, cachePolicy: .reloadIgnoringLocalCacheData,
            timeoutInterval: configuration.requestTimeout.urlSessionTimeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(configuration.userAgent, forHTTPHeaderField: "User-Agent")
        if let key = configuration.apiKey, !key.isEmpty {
            request.setValue("Bearer \(key.secret)", forHTTPHeaderField: "Authorization")
        }
        return request
    }
}

/// The batch fetch body (COMETAPI.md §3).
private struct FetchRequestBody: Encodable {
    var ids: [String]
    var action: String
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

    /// The timeout handed to URLSession: whole seconds, at least 1. swift-corelibs-foundation
    /// mishandles sub-second timeouts (measured with 0.3 s: set on the session it fires at once,
    /// set on the request it never fires). The exact limit is the client's own deadline
    /// (`GatewayClient.perform`).
    var urlSessionTimeout: TimeInterval {
        max(1, timeInterval.rounded(.up))
    }
}

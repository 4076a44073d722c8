import Foundation
import Logging
import SunoExporterCore

/// Where and how the quota service is asked (`--cometapi.quota-*`).
public struct QuotaClientConfiguration: Sendable {
    /// The service URL without the key, e.g. "https://query.cometapi.com/user/quota".
    public var url: String
    /// Sent as the `key` query argument, as the service wants it; never logged.
    public var key: APIKey
    public var timeout: Duration
    /// The exporter's version, sent as `User-Agent: suno-exporter/<version>`.
    public var version: String

    public init(url: String, key: APIKey, timeout: Duration = .seconds(10), version: String = "dev") {
        self.url = url
        self.key = key
        self.timeout = timeout
        self.version = version
    }

    /// Checks the URL for start-up validation. Messages never quote it.
    public func validate() throws(GatewayConfigurationError) {
        try Self.validate(url: url)
    }

    /// Checks a quota URL: http(s), a host, no credentials, no fragment, and no `key` argument of its
    /// own (the key comes from a file or the environment, never from a flag value).
    public static func validate(url: String) throws(GatewayConfigurationError) {
        guard let components = URLComponents(string: url) else {
            throw GatewayConfigurationError("the quota URL is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw GatewayConfigurationError("the quota URL must start with http:// or https://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw GatewayConfigurationError("the quota URL has no host")
        }
        guard components.user == nil, components.password == nil else {
            throw GatewayConfigurationError("the quota URL must not contain credentials")
        }
        guard components.fragment == nil else {
            throw GatewayConfigurationError("the quota URL must not have a fragment")
        }
        guard !(components.queryItems ?? []).contains(where: { $0.name == "key" }) else {
            throw GatewayConfigurationError(
                "the quota URL must not hold a key argument; give the key in a file (--cometapi.quota-key-file)")
        }
    }

    /// `url` (or `path` on the same origin) with `key=<the key>` added to its query. Only ever handed to
    /// libcurl: it holds the secret.
    func requestURL(path: String? = nil) -> String? {
        guard var components = URLComponents(string: url) else { return nil }
        if let path { components.percentEncodedPath = path }
        var unreserved = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        unreserved.insert(charactersIn: "-._~")
        guard let encodedKey = key.secret.addingPercentEncoding(withAllowedCharacters: unreserved) else { return nil }
        let argument = "key=" + encodedKey
        let query = components.percentEncodedQuery.map { $0.isEmpty ? argument : $0 + "&" + argument } ?? argument
        components.percentEncodedQuery = query
        return components.url?.absoluteString
    }
}

/// Why a quota poll gave no figures. Descriptions are one short line, safe to log: never the URL
/// (it holds the key), and any text from the service is redacted.
public enum QuotaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A non-2xx answer, with the service's error text when it had one.
    case http(status: Int, message: String?)
    case timeout
    /// A short name (`CurlCodeName`).
    case transport(String)
    /// The answer was larger than the client accepts.
    case tooLarge
    /// A 2xx answer that is not a quota answer.
    case decoding(String)
    case cancelled

    public var description: String {
        switch self {
        case .http(let status, let message?): "quota service answered HTTP \(status): \(message)"
        case .http(let status, nil): "quota service answered HTTP \(status)"
        case .timeout: "quota request timed out"
        case .transport(let code): "quota service unreachable (\(code))"
        case .tooLarge: "quota answer larger than \(QuotaClient.maximumBodyBytes) bytes"
        case .decoding(let reason): "quota answer not understood: \(reason)"
        case .cancelled: "quota request cancelled"
        }
    }
}

/// Asks CometAPI's quota service for the account's balance, spend and keys
/// (`GET {url}?key=<key>`; the docs advise a dedicated query-only key).
///
/// One attempt per poll: the poller asks again at its next interval. A redirect to another path of
/// the same origin is followed once, with the key added again (the documented URL is written both with
/// and without a trailing slash); a redirect elsewhere is an error, so the key never leaves the origin.
public final class QuotaClient: Sendable {
    static let maximumBodyBytes = 1 << 20

    let configuration: QuotaClientConfiguration
    let logger: Logger
    let transport: PassThroughTransport

    public init(configuration: QuotaClientConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        transport = PassThroughTransport(maxIdleConnections: 1, maximumBodyBytes: Self.maximumBodyBytes)
    }

    public func fetch() async throws(QuotaError) -> QuotaAnswer {
        var answer = try await request(path: nil)
        if (301...308).contains(answer.status), let path = sameOriginPath(answer.header("location")) {
            logger.info("quota URL redirects; following it", metadata: ["quota.path": "\(path)"])
            answer = try await request(path: path)
        }
        guard (200...299).contains(answer.status) else {
            let message = GatewayDecoder.errorMessage(answer.body).map { configuration.key.redacting($0) }
            throw .http(status: answer.status, message: message)
        }
        do throws(GatewayDecodingError) {
            return try QuotaAnswer.decode(answer.body)
        } catch {
            throw .decoding(configuration.key.redacting(error.description))
        }
    }

    private func request(path: String?) async throws(QuotaError) -> PassThroughAnswer {
        guard let url = configuration.requestURL(path: path) else { throw .transport("badURL") }
        let request = PassThroughRequest(
            method: .get, url: url,
            headers: ["Accept: application/json", "User-Agent: suno-exporter/\(configuration.version)", "Expect:"])
        switch await transport.perform(request, timeout: configuration.timeout) {
        case .answer(let answer): return answer
        case .timeout: throw .timeout
        case .tooLarge: throw .tooLarge
        case .transport(let code): throw .transport(code)
        case .cancelled: throw .cancelled
        }
    }

    /// The percent-encoded path of a redirect target on the configured scheme, host and port; nil
    /// for any other target.
    private func sameOriginPath(_ location: String?) -> String? {
        guard let location, let configured = URLComponents(string: configuration.url),
            let base = URL(string: configuration.url), let target = URL(string: location, relativeTo: base),
            let resolved = URLComponents(url: target.absoluteURL, resolvingAgainstBaseURL: true)
        else { return nil }
        guard resolved.scheme?.lowercased() == configured.scheme?.lowercased(),
            resolved.host?.lowercased() == configured.host?.lowercased(), resolved.port == configured.port,
            !resolved.percentEncodedPath.isEmpty
        else { return nil }
        return resolved.percentEncodedPath
    }
}

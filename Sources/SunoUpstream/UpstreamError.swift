/// Why a gateway call gave no usable answer, after any retries.
///
/// Descriptions are one short line, safe to log: they never hold the key or a URL.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gateway answered with a non-2xx status. `message` is the error body's text (either
    /// envelope, COMETAPI.md §8), shortened to one line, or nil when the body had none (an empty 429).
    case http(status: Int, message: String?)
    /// No complete answer within the request timeout.
    case timeout
    /// The gateway could not be reached or the connection broke; a short name (`CurlCodeName`)
    /// ("cannotConnectToHost", "networkConnectionLost", …).
    case transport(String)
    /// The answer, once decoded (gzip), was larger than the client accepts: it was cut off, not read.
    case tooLarge(limit: Int)
    /// A 2xx answer that is not a valid task answer (HTML, truncated JSON, wrong shape).
    case decoding(String)
    /// The calling task was cancelled (graceful shutdown); nothing more was tried.
    case cancelled

    public var description: String {
        switch self {
        case .http(let status, let message?): "gateway answered HTTP \(status): \(message)"
        case .http(let status, nil): "gateway answered HTTP \(status)"
        case .timeout: "gateway request timed out"
        case .transport(let code): "gateway unreachable (\(code))"
        case .tooLarge(let limit): "gateway answer larger than \(limit) bytes (decoded), cut off"
        case .decoding(let reason): "gateway answer not understood: \(reason)"
        case .cancelled: "gateway request cancelled"
        }
    }

    /// The HTTP status, when the gateway answered with an error status.
    public var httpStatus: Int? {
        if case .http(let status, _) = self { return status }
        return nil
    }
}

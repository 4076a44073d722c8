/// One attempt at a gateway call, as reported to `GatewayClient`'s `onCall` observer: the data of
/// `suno_upstream_requests_total{endpoint,code}` and `suno_upstream_request_duration_seconds{endpoint}`.
public struct UpstreamCall: Sendable, Equatable {
    /// The gateway endpoint: "fetch" (`POST /suno/fetch`) or "fetch_one" (`GET /suno/fetch/{id}`).
    public var endpoint: String
    /// The HTTP status as text ("200", "429"…); "decode" for a 2xx whose body is not a valid answer;
    /// "too_large" for an answer cut off at the size limit; "timeout"; "transport" for any other
    /// failure to get an answer.
    public var code: String
    /// Wall-clock time of the attempt, from sending to the answer (or the failure).
    public var seconds: Double

    public init(endpoint: String, code: String, seconds: Double) {
        self.endpoint = endpoint
        self.code = code
        self.seconds = seconds
    }
}

extension UpstreamCall {
    /// The endpoint label of `POST /suno/fetch`.
    public static let fetchEndpoint = "fetch"
    /// The endpoint label of `GET /suno/fetch/{id}`.
    public static let fetchOneEndpoint = "fetch_one"
    /// The code label of an answer cut off at the size limit.
    public static let tooLargeCode = "too_large"
}

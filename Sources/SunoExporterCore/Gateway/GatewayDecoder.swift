/// Decodes gateway answers into `TaskObservation`s, surviving every quirk of COMETAPI.md §10.
/// (Interface stub: the implementation lands with the decoder work.)
public enum GatewayDecoder {
    /// Decodes a `POST /suno/fetch` 2xx body: `data` may be an array, `null` or `[]`.
    /// Items come back in gateway order; duplicates by task id are collapsed (last wins).
    public static func decodeFetchAnswer(_ body: [UInt8]) throws(GatewayDecodingError) -> [TaskObservation] {
        throw GatewayDecodingError("decoder not implemented")
    }

    /// Decodes one task item (the `data` of `GET /suno/fetch/{id}`, or a notify-hook body that is a bare item
    /// or wrapped in the task envelope).
    public static func decodeTaskItem(_ body: [UInt8]) throws(GatewayDecodingError) -> TaskObservation {
        throw GatewayDecodingError("decoder not implemented")
    }

    /// The human message of an error body in either envelope (task `{code,message}` or OpenAI
    /// `{"error":{message}}`), or nil when the body is empty or not JSON.
    public static func errorMessage(_ body: [UInt8]) -> String? {
        nil
    }
}

/// Decodes gateway answers into `TaskObservation`s, surviving every quirk of COMETAPI.md §10.
///
/// The body is read once by `JSONScanner`, which keeps only the members the exporter uses and skips the
/// rest (lyrics, URLs, clip metadata) without allocating; Foundation's decoders would build every value
/// first and are several times slower. Any input that is not the JSON the gateway documents is a
/// `GatewayDecodingError`, never a crash, and the error quotes at most a few dozen bytes of the body.
public enum GatewayDecoder {
    /// Longest text `errorMessage(_:)` returns, in characters.
    public static let errorMessageLimit = 200

    /// Decodes a `POST /suno/fetch` 2xx body: `data` may be an array, `null`, `[]`, absent, or one item object.
    /// Items come back in gateway order; duplicates by task id are collapsed (last wins, at the position of
    /// the first). Items that cannot be used are left out (see `readFetchAnswer(_:)` for what was left out
    /// and why). Throws when the envelope reports an error (`code` other than "success", or an OpenAI
    /// `error`), or when the body is not valid JSON.
    public static func decodeFetchAnswer(_ body: [UInt8]) throws(GatewayDecodingError) -> [TaskObservation] {
        try readFetchAnswer(body).items
    }

    /// `decodeFetchAnswer(_:)` with the items (or fields) that were set aside: one bad item costs only
    /// itself, never the rest of its batch.
    public static func readFetchAnswer(_ body: [UInt8]) throws(GatewayDecodingError) -> FetchAnswer {
        let envelope = try JSONScanner.scan(body) { (scanner) throws(GatewayDecodingError) in
            try GatewayEnvelope.read(&scanner, data: .decodeItems)
        }
        try envelope.checkSucceeded()
        return FetchAnswer(items: envelope.items, rejections: envelope.rejections)
    }

    /// Decodes one task item (the `data` of `GET /suno/fetch/{id}`, or a notify-hook body that is a bare item
    /// or wrapped in the task envelope).
    ///
    /// A top-level object with a `task_id` member, or without a `code` member, is taken as a bare item;
    /// otherwise it is an envelope whose `data` must be the item. An item set aside (a member of the wrong
    /// type, no task id) throws with the reason; a dropped time only leaves that time unset.
    public static func decodeTaskItem(_ body: [UInt8]) throws(GatewayDecodingError) -> TaskObservation {
        try JSONScanner.scan(body) { (scanner) throws(GatewayDecodingError) -> TaskObservation in
            try scanner.expectTopLevelObject()
            if try isEnvelope(scanner) {
                let envelope = try GatewayEnvelope.read(&scanner, data: .decodeItems)
                try envelope.checkSucceeded()
                guard envelope.dataKind == .object else {
                    let shape = envelope.dataKind.map(\.article) ?? "absent"
                    throw GatewayDecodingError("task answer has no task item: data is \(shape)")
                }
                guard let item = envelope.items.first else { throw unusableItem(envelope.rejections) }
                return item
            }
            var rejections: [ItemRejection] = []
            guard let item = try TaskItemReader.read(&scanner, rejections: &rejections) else {
                throw unusableItem(rejections)
            }
            try scanner.finish()
            return item
        }
    }

    /// The error of a single item that was set aside.
    private static func unusableItem(_ rejections: [ItemRejection]) -> GatewayDecodingError {
        GatewayDecodingError(
            rejections.first { !$0.keptItem }?.detail ?? "task item has no string task_id")
    }

    /// The human message of an error body in either envelope (task `{code,message}` or OpenAI
    /// `{"error":{message}}`), or nil when the body is empty or not JSON.
    ///
    /// The result is "code: message", or whichever part is non-empty, cut to `errorMessageLimit` characters.
    public static func errorMessage(_ body: [UInt8]) -> String? {
        let envelope = try? JSONScanner.scan(body) { (scanner) throws(GatewayDecodingError) in
            try GatewayEnvelope.read(&scanner, data: .skip)
        }
        guard let text = envelope?.errorText else { return nil }
        guard text.count > errorMessageLimit else { return text }
        return String(text.prefix(errorMessageLimit - 1)) + "…"
    }

    /// Looks ahead through the top-level members (on a copy of the scanner) for `task_id` and `code`.
    private static func isEnvelope(_ scanner: JSONScanner) throws(GatewayDecodingError) -> Bool {
        var probe = scanner
        var hasCode = false
        var members = try probe.beginObject()
        while let key = try probe.nextKey(&members) {
            if probe.token(key, is: "task_id") { return false }
            if probe.token(key, is: "code") { hasCode = true }
            try probe.skipValue()
        }
        return hasCode
    }
}

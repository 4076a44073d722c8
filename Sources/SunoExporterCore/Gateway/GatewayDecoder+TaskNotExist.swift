extension GatewayDecoder {
    /// True when an error body is the task envelope's "unknown id" answer: `code` or `message`
    /// `task_not_exist` (COMETAPI.md §8; the gateway sends it with HTTP 400 when none of the asked ids
    /// exists). Read with the same scanner as every other gateway answer; anything else is false.
    public static func isTaskNotExist(_ body: [UInt8]) -> Bool {
        guard
            let envelope = try? JSONScanner.scan(
                body,
                { (scanner) throws(GatewayDecodingError) in
                    try GatewayEnvelope.read(&scanner, data: .skip)
                })
        else { return false }
        return envelope.code == "task_not_exist" || envelope.message == "task_not_exist"
    }
}

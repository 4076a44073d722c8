/// What a gateway's answer to `POST /suno/submit/{action}` says (COMETAPI.md §7, §8): a task was
/// created, `{"code":"success","message":"","data":"<task id>"}`, or the gateway refused in either
/// error envelope.
public enum SubmitAnswer: Sendable, Equatable {
    /// `code` is "success" and `data` the new task's id (not yet checked as an id).
    case accepted(taskID: String)
    /// The envelope reports a failure: its `code` ("" when it has none).
    case refused(code: String)

    /// Decodes a submit answer body. Throws `GatewayDecodingError` when the body is not JSON, or is a
    /// "success" whose `data` is not a string, or carries neither a `code` nor an `error`.
    public static func decode(_ body: [UInt8]) throws(GatewayDecodingError) -> SubmitAnswer {
        try JSONScanner.scan(body) { (scanner) throws(GatewayDecodingError) -> SubmitAnswer in
            try scanner.expectTopLevelObject()
            var code: String?
            var taskID: String?
            var dataKind: JSONScanner.ValueKind?
            var hasOpenAIError = false
            var members = try scanner.beginObject()
            while let member = try scanner.nextKey(&members) {
                if scanner.token(member, is: "code") {
                    switch try scanner.peekKind() {
                    case .string: code = scanner.string(try scanner.readString())
                    case .number: code = scanner.text(try scanner.readNumber())
                    default: try scanner.skipValue()
                    }
                } else if scanner.token(member, is: "data") {
                    let kind = try scanner.peekKind()
                    dataKind = kind
                    if kind == .string {
                        taskID = scanner.string(try scanner.readString())
                    } else {
                        try scanner.skipValue()
                    }
                } else if scanner.token(member, is: "error") {
                    hasOpenAIError = try scanner.peekKind() != .null
                    try scanner.skipValue()
                } else {
                    try scanner.skipValue()
                }
            }
            try scanner.finish()
            if hasOpenAIError { return .refused(code: code ?? "") }
            guard let code else { throw GatewayDecodingError("submit answer has neither a code nor an error") }
            guard code == "success" else { return .refused(code: code) }
            guard let taskID else {
                let shape = dataKind.map(\.article) ?? "absent"
                throw GatewayDecodingError("submit answer is a success but its data is \(shape), not a task id")
            }
            return .accepted(taskID: taskID)
        }
    }
}

/// The members of a submit request the exporter reads (COMETAPI.md §7).
public enum SubmitRequestFields {
    /// The top-level `mv` string of a submit body (the model asked for), or nil when the body is not a
    /// JSON object or has no string `mv`. Never throws: the request is the client's to get right.
    public static func model(_ body: [UInt8]) -> String? {
        try? JSONScanner.scan(body) { (scanner) throws(GatewayDecodingError) -> String? in
            try scanner.expectTopLevelObject()
            var members = try scanner.beginObject()
            while let member = try scanner.nextKey(&members) {
                if scanner.token(member, is: "mv"), try scanner.peekKind() == .string {
                    return scanner.string(try scanner.readString())
                }
                try scanner.skipValue()
            }
            return nil
        }
    }
}

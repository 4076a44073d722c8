/// The top-level members of a gateway answer, in either envelope (COMETAPI.md §8): the task envelope
/// `{"code","message","data"}` or the OpenAI one `{"error":{"message","type","code"}}`.
struct GatewayEnvelope {
    /// `code` verbatim (a number is kept as written); nil when absent, null or another type.
    var code: String?
    var message = ""
    /// Set when the body has an `error` member that is an object or a string.
    var openAIError: (code: String, message: String)?
    /// The kind of `data`; nil when absent.
    var dataKind: JSONScanner.ValueKind?
    /// The task items of `data`, unique by task id, when they were decoded.
    var items: [TaskObservation] = []
    /// Items of `data` (or fields of them) set aside, in order.
    var rejections: [ItemRejection] = []
    /// Why `data` is unusable (a number, a string…). Kept rather than thrown so that an error code in the
    /// same answer, which explains the odd `data`, is what the caller reports.
    var dataError: GatewayDecodingError?

    /// What to do with `data`.
    enum DataHandling {
        /// Decode task items: an array of them, or one object.
        case decodeItems
        /// Only check it is valid JSON (error bodies).
        case skip
    }

    /// Reads the whole body: one top-level object and nothing after it.
    static func read(
        _ scanner: inout JSONScanner, data handling: DataHandling
    ) throws(GatewayDecodingError) -> GatewayEnvelope {
        var envelope = GatewayEnvelope()
        try scanner.expectTopLevelObject()
        var members = try scanner.beginObject()
        while let key = try scanner.nextKey(&members) {
            if scanner.token(key, is: "data") {
                try envelope.readData(&scanner, handling)
            } else if scanner.token(key, is: "code") {
                envelope.code = try readCode(&scanner)
            } else if scanner.token(key, is: "message") {
                envelope.message = try readMessage(&scanner) ?? ""
            } else if scanner.token(key, is: "error") {
                envelope.openAIError = try readOpenAIError(&scanner)
            } else {
                try scanner.skipValue()
            }
        }
        try scanner.finish()
        return envelope
    }

    /// Throws when the gateway reported a failure in the envelope, or when `data` had an unusable shape.
    func checkSucceeded() throws(GatewayDecodingError) {
        if let openAIError {
            throw .gatewayReported(code: openAIError.code, message: openAIError.message)
        }
        if let code, code != "success" {
            throw .gatewayReported(code: code, message: message)
        }
        if let dataError { throw dataError }
    }

    /// "code: message", or whichever part is non-empty; nil when both are empty.
    var errorText: String? {
        let parts = openAIError.map { [$0.code, $0.message] } ?? [code ?? "", message]
        let text = parts.filter { !$0.isEmpty }.joined(separator: ": ")
        return text.isEmpty ? nil : text
    }

    private mutating func readData(
        _ scanner: inout JSONScanner, _ handling: DataHandling
    ) throws(GatewayDecodingError) {
        let kind = try scanner.peekKind()
        dataKind = kind
        items = []
        rejections = []
        dataError = nil
        guard handling == .decodeItems else { return try scanner.skipValue() }
        switch kind {
        case .array:
            var list = UniqueTaskList()
            var elements = try scanner.beginArray()
            while try scanner.nextElement(&elements) {
                switch try scanner.peekKind() {
                case .object:
                    if let item = try TaskItemReader.read(&scanner, rejections: &rejections) { list.insert(item) }
                case .null:
                    // A nil entry in the gateway's slice marshals as null: nothing to track.
                    try scanner.readNull()
                case let element:
                    // Skipped, not fatal: the other elements are still good task items.
                    try scanner.skipValue()
                    rejections.append(
                        ItemRejection(
                            reason: .notAnObject, taskID: "",
                            detail: "a data element is \(element.article), expected a task item object"))
                }
            }
            items = list.items
        case .object:
            if let item = try TaskItemReader.read(&scanner, rejections: &rejections) { items = [item] }
        case .null:
            try scanner.readNull()
        case .string, .number, .bool:
            dataError = scanner.failure("data is \(kind.article), expected an array of task items, an object or null")
            try scanner.skipValue()
        }
    }

    private static func readCode(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> String? {
        switch try scanner.peekKind() {
        case .string: return scanner.string(try scanner.readString())
        case .number: return scanner.text(try scanner.readNumber())
        default:
            try scanner.skipValue()
            return nil
        }
    }

    private static func readMessage(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> String? {
        guard try scanner.peekKind() == .string else {
            try scanner.skipValue()
            return nil
        }
        return scanner.string(try scanner.readString())
    }

    /// `{"message","type","code"}` (`type` is always the gateway's brand, so it is not kept), or a bare
    /// string as some proxies send; nil for null and other types.
    private static func readOpenAIError(
        _ scanner: inout JSONScanner
    ) throws(GatewayDecodingError) -> (code: String, message: String)? {
        switch try scanner.peekKind() {
        case .string:
            return ("", scanner.string(try scanner.readString()))
        case .object:
            var error = (code: "", message: "")
            var members = try scanner.beginObject()
            while let key = try scanner.nextKey(&members) {
                if scanner.token(key, is: "message") {
                    error.message = try readMessage(&scanner) ?? ""
                } else if scanner.token(key, is: "code") {
                    error.code = try readCode(&scanner) ?? ""
                } else {
                    try scanner.skipValue()
                }
            }
            return error
        default:
            try scanner.skipValue()
            return nil
        }
    }
}

extension JSONScanner {
    /// Skips a UTF-8 byte order mark and whitespace, then checks that a JSON object starts there:
    /// an empty body, an HTML page or a bare array get an error naming what they are.
    mutating func expectTopLevelObject() throws(GatewayDecodingError) {
        if count >= 3, byte(0) == 0xEF, byte(1) == 0xBB, byte(2) == 0xBF, index == 0 { index = 3 }
        skipWhitespace()
        guard index < count else { throw GatewayDecodingError("answer body is empty") }
        guard byte(index) == UInt8(ascii: "{") else { throw notAnObject() }
    }
}

/// Task observations in first-seen order with one entry per task id; a later duplicate replaces the
/// earlier one in place (COMETAPI.md §10.3: duplicates should not happen, but a fork may repeat rows).
private struct UniqueTaskList {
    private(set) var items: [TaskObservation] = []
    private var positions: [String: Int] = [:]

    mutating func insert(_ item: TaskObservation) {
        if let position = positions[item.taskID] {
            items[position] = item
        } else {
            positions[item.taskID] = items.count
            items.append(item)
        }
    }
}

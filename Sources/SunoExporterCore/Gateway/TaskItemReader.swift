/// Reads one task item object (an element of a fetch answer's `data`, or a single task) into a
/// `TaskObservation`, skipping every member it does not use.
///
/// Where COMETAPI.md §10 allows several shapes for a member, all of them are accepted. A member with a
/// shape no gateway produces (`"status": 5`, `"submit_time": {}`) is an error rather than a guess: it
/// means the answer is not what we think it is, and `suno_upstream_requests_total{code="decode"}` should
/// say so instead of the store recording garbage.
enum TaskItemReader {
    /// The item members the exporter uses.
    private enum Member {
        case taskID, action, status, failReason, progress, submitTime, startTime, finishTime, data

        init?(_ key: StringToken, in scanner: JSONScanner) {
            // Ordered by how often a key is seen; length mismatches are rejected after one comparison.
            if scanner.token(key, is: "task_id") {
                self = .taskID
            } else if scanner.token(key, is: "status") {
                self = .status
            } else if scanner.token(key, is: "action") {
                self = .action
            } else if scanner.token(key, is: "progress") {
                self = .progress
            } else if scanner.token(key, is: "fail_reason") {
                self = .failReason
            } else if scanner.token(key, is: "submit_time") {
                self = .submitTime
            } else if scanner.token(key, is: "start_time") {
                self = .startTime
            } else if scanner.token(key, is: "finish_time") {
                self = .finishTime
            } else if scanner.token(key, is: "data") {
                self = .data
            } else {
                return nil
            }
        }
    }

    /// Reads the item object at the scanner's position. Returns nil for an item without a non-empty
    /// string `task_id`: nothing can be tracked under it, and dropping it keeps the rest of the batch.
    /// Absent members keep neutral values: "" for texts, 0 for times, no model.
    static func read(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> TaskObservation? {
        var taskID: String?
        var item = TaskObservation(taskID: "", action: "", status: "", progress: "")
        var members = try scanner.beginObject()
        while let key = try scanner.nextKey(&members) {
            guard let member = Member(key, in: scanner) else {
                try scanner.skipValue()
                continue
            }
            switch member {
            case .taskID:
                // Any other type (a number, null) is "no usable id": the item is skipped, not the batch.
                if try scanner.peekKind() == .string {
                    taskID = scanner.string(try scanner.readString())
                } else {
                    taskID = nil
                    try scanner.skipValue()
                }
            case .action: item.action = try readText(&scanner, "action")
            case .status: item.status = try readText(&scanner, "status")
            case .failReason: item.failReason = try readText(&scanner, "fail_reason")
            case .progress: item.progress = try readProgress(&scanner)
            case .submitTime: item.submitTime = try readTimestamp(&scanner, "submit_time")
            case .startTime: item.startTime = try readTimestamp(&scanner, "start_time")
            case .finishTime: item.finishTime = try readTimestamp(&scanner, "finish_time")
            case .data: try readPayload(&scanner, into: &item)
            }
        }
        guard let taskID, !taskID.isEmpty else { return nil }
        item.taskID = taskID
        return item
    }

    /// A string member, or "" for null.
    private static func readText(
        _ scanner: inout JSONScanner, _ name: String
    ) throws(GatewayDecodingError) -> String {
        switch try scanner.peekKind() {
        case .string: return scanner.string(try scanner.readString())
        case .null:
            try scanner.readNull()
            return ""
        case let kind: throw wrongType(scanner, name, kind, expected: "a string or null")
        }
    }

    /// `progress`: a string kept verbatim, a number rendered as "<n>%", or "" for null.
    private static func readProgress(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> String {
        switch try scanner.peekKind() {
        case .string: return scanner.string(try scanner.readString())
        case .number: return TaskItemValues.progressText(scanner.value(try scanner.readNumber()))
        case .null:
            try scanner.readNull()
            return ""
        case let kind: throw wrongType(scanner, "progress", kind, expected: "a string, a number or null")
        }
    }

    /// A time member: an integer, a fraction or a numeric string (seconds, or milliseconds above 1e11),
    /// or null; 0 means unset.
    private static func readTimestamp(
        _ scanner: inout JSONScanner, _ name: String
    ) throws(GatewayDecodingError) -> Int64 {
        let start = scanner.index
        let seconds: Int64?
        switch try scanner.peekKind() {
        case .number:
            switch scanner.value(try scanner.readNumber()) {
            case .integer(let integer): seconds = TaskItemValues.unixSeconds(integer)
            case .real(let real): seconds = TaskItemValues.unixSeconds(real)
            }
        case .string:
            seconds = TaskItemValues.unixSeconds(text: scanner.string(try scanner.readString()))
        case .null:
            try scanner.readNull()
            seconds = 0
        case let kind:
            throw wrongType(scanner, name, kind, expected: "a number, a numeric string or null")
        }
        guard let seconds else { throw scanner.failure("\(name) is not a usable Unix time", at: start) }
        return seconds
    }

    /// The item's `data`: MUSIC clips (an array), a LYRICS result (one object, nothing the exporter
    /// uses) or null before the first upstream poll.
    private static func readPayload(
        _ scanner: inout JSONScanner, into item: inout TaskObservation
    ) throws(GatewayDecodingError) {
        switch try scanner.peekKind() {
        case .array:
            let clips = try MusicClips.read(&scanner)
            item.modelName = clips.modelName
            item.hasStreamableClip = clips.hasStreamableClip
        case .object, .null:
            try scanner.skipValue()
            item.modelName = nil
            item.hasStreamableClip = false
        case let kind:
            throw wrongType(scanner, "data", kind, expected: "an array of clips, an object or null")
        }
    }

    private static func wrongType(
        _ scanner: JSONScanner, _ name: String, _ kind: JSONScanner.ValueKind, expected: String
    ) -> GatewayDecodingError {
        scanner.failure("task item member \(name) is \(kind.article), expected \(expected)")
    }
}

extension JSONScanner.ValueKind {
    /// "an object", "a number", … for error messages.
    var article: String {
        switch self {
        case .object, .array: "an \(rawValue)"
        case .string, .number: "a \(rawValue)"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

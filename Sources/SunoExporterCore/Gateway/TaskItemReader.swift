/// Reads one task item object (an element of a fetch answer's `data`, or a single task) into a
/// `TaskObservation`, skipping every member it does not use.
///
/// Where COMETAPI.md §10 allows several shapes for a member, all of them are accepted. A member with a
/// shape no gateway produces (`"status": 5`, `"submit_time": {}`) sets the item aside rather than guess:
/// it means the item is not what we think it is. A time that is a number or a string but no usable Unix
/// time (`1e300`) only drops that field. Either way the rest of the answer is still read, and the problem
/// is reported as an `ItemRejection`; only broken JSON (which leaves nothing trustworthy to read on)
/// throws.
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

    /// What went wrong inside one item, gathered until its task id is known.
    private struct Problems {
        /// The first member of an impossible type: the item is set aside.
        var wrongType: String?
        /// Times that were dropped.
        var unusableTimes: [String] = []
    }

    /// Reads the item object at the scanner's position, to its end. Returns nil when the item is set
    /// aside (a member of the wrong type, or no non-empty string `task_id`); every problem, including a
    /// dropped field of a kept item, is appended to `rejections`. Absent or dropped members keep neutral
    /// values: "" for texts, 0 for times, no model.
    static func read(
        _ scanner: inout JSONScanner, rejections: inout [ItemRejection]
    ) throws(GatewayDecodingError) -> TaskObservation? {
        var taskID: String?
        var problems = Problems()
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
            case .action: item.action = try readText(&scanner, "action", &problems)
            case .status: item.status = try readText(&scanner, "status", &problems)
            case .failReason: item.failReason = try readText(&scanner, "fail_reason", &problems)
            case .progress: item.progress = try readProgress(&scanner, &problems)
            case .submitTime: item.submitTime = try readTimestamp(&scanner, "submit_time", &problems)
            case .startTime: item.startTime = try readTimestamp(&scanner, "start_time", &problems)
            case .finishTime: item.finishTime = try readTimestamp(&scanner, "finish_time", &problems)
            case .data: try readPayload(&scanner, into: &item, &problems)
            }
        }
        let id = taskID ?? ""
        if let wrongType = problems.wrongType {
            rejections.append(ItemRejection(reason: .wrongType, taskID: id, detail: wrongType))
            return nil
        }
        guard !id.isEmpty else {
            rejections.append(ItemRejection(reason: .missingID, taskID: "", detail: "task item has no string task_id"))
            return nil
        }
        for detail in problems.unusableTimes {
            rejections.append(ItemRejection(reason: .unusableTime, taskID: id, detail: detail))
        }
        item.taskID = id
        return item
    }

    /// A string member, or "" for null.
    private static func readText(
        _ scanner: inout JSONScanner, _ name: String, _ problems: inout Problems
    ) throws(GatewayDecodingError) -> String {
        switch try scanner.peekKind() {
        case .string: return scanner.string(try scanner.readString())
        case .null:
            try scanner.readNull()
            return ""
        case let kind:
            try wrongType(&scanner, name, kind, expected: "a string or null", &problems)
            return ""
        }
    }

    /// `progress`: a string kept verbatim, a number rendered as "<n>%", or "" for null.
    private static func readProgress(
        _ scanner: inout JSONScanner, _ problems: inout Problems
    ) throws(GatewayDecodingError) -> String {
        switch try scanner.peekKind() {
        case .string: return scanner.string(try scanner.readString())
        case .number: return TaskItemValues.progressText(scanner.value(try scanner.readNumber()))
        case .null:
            try scanner.readNull()
            return ""
        case let kind:
            try wrongType(&scanner, "progress", kind, expected: "a string, a number or null", &problems)
            return ""
        }
    }

    /// A time member: an integer, a fraction or a numeric string (seconds, or milliseconds above 1e11),
    /// or null; 0 means unset, which is also what an unusable time becomes.
    private static func readTimestamp(
        _ scanner: inout JSONScanner, _ name: String, _ problems: inout Problems
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
            try wrongType(&scanner, name, kind, expected: "a number, a numeric string or null", &problems)
            return 0
        }
        guard let seconds else {
            problems.unusableTimes.append(
                "\(name) is not a usable Unix time: `\(scanner.excerpt(from: start, upTo: min(scanner.index, start + 32)))`"
            )
            return 0
        }
        return seconds
    }

    /// The item's `data`: MUSIC clips (an array), a LYRICS result (one object, nothing the exporter
    /// uses) or null before the first upstream poll.
    private static func readPayload(
        _ scanner: inout JSONScanner, into item: inout TaskObservation, _ problems: inout Problems
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
            try wrongType(&scanner, "data", kind, expected: "an array of clips, an object or null", &problems)
        }
    }

    /// Notes the first member of an impossible type (quoting a short excerpt of it) and skips its value.
    private static func wrongType(
        _ scanner: inout JSONScanner, _ name: String, _ kind: JSONScanner.ValueKind, expected: String,
        _ problems: inout Problems
    ) throws(GatewayDecodingError) {
        let start = scanner.index
        try scanner.skipValue()
        if problems.wrongType == nil {
            let excerpt = scanner.excerpt(from: start, upTo: min(scanner.index, start + 32))
            problems.wrongType = "task item member \(name) is \(kind.article), expected \(expected): `\(excerpt)`"
        }
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

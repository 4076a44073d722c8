extension QuotaAnswer {
    /// Decodes a 2xx body of the quota service (see `QuotaAnswer` for the rules).
    ///
    /// Throws `GatewayDecodingError` when the body is not JSON, when a known member has the wrong type,
    /// or when `total_quota` is missing; an error object (`{"error": …}`, `{"message": …}`,
    /// `{"detail": …}`) is named in the error, with `gatewayCode` set. Messages quote at most a few dozen
    /// bytes of the body; the caller still redacts them, since a service may echo the key it was given.
    public static func decode(_ body: [UInt8]) throws(GatewayDecodingError) -> QuotaAnswer {
        try JSONScanner.scan(body) { (scanner) throws(GatewayDecodingError) -> QuotaAnswer in
            try scanner.expectTopLevelObject()
            var balance: Double?
            var used: Double?
            var requests: Double?
            var keys: [KeyQuota] = []
            var reportedError: String?
            var members = try scanner.beginObject()
            while let member = try scanner.nextKey(&members) {
                if scanner.token(member, is: "total_quota") {
                    balance = try readAmount(&scanner, "total_quota")
                } else if scanner.token(member, is: "total_used_quota") {
                    used = try readAmount(&scanner, "total_used_quota")
                } else if scanner.token(member, is: "request_count") {
                    requests = try readAmount(&scanner, "request_count")
                } else if scanner.token(member, is: "keys") {
                    keys = try readKeys(&scanner)
                } else if scanner.token(member, is: "error") || scanner.token(member, is: "message")
                    || scanner.token(member, is: "detail")
                {
                    reportedError = try readErrorText(&scanner) ?? reportedError
                } else {
                    try scanner.skipValue()
                }
            }
            try scanner.finish()
            guard let balance else {
                if let reportedError {
                    throw GatewayDecodingError(
                        "quota service reported an error: \(reportedError.truncated(toUTF8Bytes: 60))",
                        gatewayCode: "")
                }
                throw GatewayDecodingError("quota answer has no total_quota (not a quota answer)")
            }
            return QuotaAnswer(balance: balance, used: used, requests: requests, keys: keys)
        }
    }

    /// A number, or a string holding one; nil for null.
    private static func readAmount(_ scanner: inout JSONScanner, _ name: String) throws(GatewayDecodingError)
        -> Double?
    {
        switch try scanner.peekKind() {
        case .number:
            switch scanner.value(try scanner.readNumber()) {
            case .integer(let value): return Double(value)
            case .real(let value): return value
            }
        case .string:
            let start = scanner.index
            let text = scanner.string(try scanner.readString())
            guard let value = Double(text.trimmingWhitespace()), !value.isNaN else {
                throw scanner.failure("\(name) is a string that is not a number", at: start)
            }
            return value
        case .null:
            try scanner.readNull()
            return nil
        case let kind:
            throw scanner.failure("\(name) is \(kind.article), expected a number")
        }
    }

    /// `keys`: an array of `{"name", "remain_quota", …}`; null counts as none. A key without a usable
    /// `remain_quota` (absent or null) is left out: there is nothing to report for it.
    private static func readKeys(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> [KeyQuota] {
        switch try scanner.peekKind() {
        case .null:
            try scanner.readNull()
            return []
        case .array:
            break
        case let kind:
            throw scanner.failure("keys is \(kind.article), expected an array")
        }
        var keys: [KeyQuota] = []
        var elements = try scanner.beginArray()
        while try scanner.nextElement(&elements) {
            let kind = try scanner.peekKind()
            guard kind == .object else {
                throw scanner.failure("a keys element is \(kind.article), expected an object")
            }
            var name = ""
            var remaining: Double?
            var fields = try scanner.beginObject()
            while let field = try scanner.nextKey(&fields) {
                if scanner.token(field, is: "name") {
                    guard try scanner.peekKind() == .string else {
                        try scanner.skipValue()
                        continue
                    }
                    name = scanner.string(try scanner.readString())
                } else if scanner.token(field, is: "remain_quota") {
                    remaining = try readAmount(&scanner, "remain_quota")
                } else {
                    try scanner.skipValue()
                }
            }
            guard let remaining else { continue }
            keys.append(KeyQuota(name: name, remaining: remaining == unlimitedMarker ? .infinity : remaining))
        }
        return keys
    }

    /// The text of an error member: a string, or an object's `message`; nil for anything else.
    private static func readErrorText(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> String? {
        switch try scanner.peekKind() {
        case .string:
            let text = scanner.string(try scanner.readString())
            return text.isEmpty ? nil : text
        case .object:
            var text: String?
            var fields = try scanner.beginObject()
            while let field = try scanner.nextKey(&fields) {
                if scanner.token(field, is: "message"), try scanner.peekKind() == .string {
                    text = scanner.string(try scanner.readString())
                } else {
                    try scanner.skipValue()
                }
            }
            return text?.isEmpty == false ? text : nil
        default:
            try scanner.skipValue()
            return nil
        }
    }
}

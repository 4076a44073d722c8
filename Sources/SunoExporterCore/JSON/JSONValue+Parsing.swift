/// Why a JSON text could not be read: the scanner's message (offset and a short excerpt, never more).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

extension JSONValue {
    /// Reads one JSON text (RFC 8259; any value at the top level, nothing after it) with the same
    /// validating scanner as the gateway decoder: strict UTF-8 and escapes, nesting bounded by
    /// `JSONScanner.maxDepth`. Objects keep their members in the order written, duplicates included.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        do {
            return try JSONScanner.scan(bytes) { (scanner) throws(GatewayDecodingError) -> JSONValue in
                let value = try readValue(&scanner)
                try scanner.finish()
                return value
            }
        } catch {
            throw JSONParseError(description: error.description)
        }
    }

    /// Reads text (one import line, a stored column).
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func readValue(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> JSONValue {
        switch try scanner.peekKind() {
        case .null:
            try scanner.readNull()
            return .null
        case .bool:
            return .bool(try scanner.readBool())
        case .string:
            return .string(scanner.string(try scanner.readString()))
        case .number:
            switch scanner.value(try scanner.readNumber()) {
            case .integer(let value): return .int(value)
            case .real(let value): return .double(value)
            }
        case .array:
            var values: [JSONValue] = []
            var elements = try scanner.beginArray()
            while try scanner.nextElement(&elements) { values.append(try readValue(&scanner)) }
            return .array(values)
        case .object:
            var members: [Member] = []
            var cursor = try scanner.beginObject()
            while let key = try scanner.nextKey(&cursor) {
                let name = scanner.string(key)
                members.append(Member(name: name, value: try readValue(&scanner)))
            }
            return .object(members)
        }
    }
}

/// A JSON value with object members in the order given, for the task API's answers.
///
/// The API writes its own bodies rather than going through `JSONEncoder` so that the member order
/// is the one DESIGN.md §4 lists (readable with `curl`, stable for tests) and numbers print the
/// same on every platform.
indirect enum APIJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([APIJSON])
    case object([Member])

    struct Member: Sendable, Equatable {
        var name: String
        var value: APIJSON
    }

    /// An object from `(name, value)` pairs, keeping their order.
    static func object(_ pairs: KeyValuePairs<String, APIJSON>) -> APIJSON {
        .object(members(pairs))
    }

    /// Object members from `(name, value)` pairs, keeping their order.
    static func members(_ pairs: KeyValuePairs<String, APIJSON>) -> [Member] {
        pairs.map { Member(name: $0.key, value: $0.value) }
    }

    /// A string, or `null` when nil.
    static func optional(_ text: String?) -> APIJSON {
        text.map(APIJSON.string) ?? .null
    }

    /// A number, or `null` when nil.
    static func optional(_ number: Double?) -> APIJSON {
        number.map(APIJSON.double) ?? .null
    }

    /// The compact UTF-8 encoding.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encode(into: &out)
        return out
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value): out.append(contentsOf: Self.format(value).utf8)
        case .string(let value): JSONString.append(value, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.encode(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(member.name, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Shortest round-trip text; integral values (Unix seconds) print without ".0".
    /// JSON has no NaN or infinity: those become `null`.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

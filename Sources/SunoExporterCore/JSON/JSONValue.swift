/// A JSON value with object members in the order given: what the exporter writes (API answers, the
/// fetch body, stored labels) and what `JSONValue.parse` reads (request bodies, import lines).
///
/// Written by hand rather than through `JSONEncoder` so that member order is the one DESIGN.md §4
/// lists (readable with `curl`, stable for tests) and numbers print the same on every platform.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// An object from `(name, value)` pairs, keeping their order.
    public static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(members(pairs))
    }

    /// Object members from `(name, value)` pairs, keeping their order.
    public static func members(_ pairs: KeyValuePairs<String, JSONValue>) -> [Member] {
        pairs.map { Member(name: $0.key, value: $0.value) }
    }

    /// A string, or `null` when nil.
    public static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    /// A number, or `null` when nil.
    public static func optional(_ number: Double?) -> JSONValue {
        number.map(JSONValue.double) ?? .null
    }

    /// The compact UTF-8 encoding.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encode(into: &out)
        return out
    }

    /// The compact encoding as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public func encode(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value): out.append(contentsOf: Self.format(value).utf8)
        case .string(let value): JSONText.appendString(value, to: &out)
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
                JSONText.appendString(member.name, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Shortest round-trip text; integral values (Unix seconds) print without ".0".
    /// JSON has no NaN or infinity: those become `null`.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension JSONValue {
    /// The value of member `name` of an object (the last one when a name repeats, as most parsers
    /// do); nil for a missing member or a value that is not an object.
    public subscript(member name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.name == name }?.value
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var isNull: Bool { self == .null }
}

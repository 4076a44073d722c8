/// A forward-only, validating reader over the UTF-8 bytes of one JSON text (RFC 8259).
///
/// It builds no tree: a caller pulls the few members it needs and calls `skipValue()` on everything else.
/// Skipping still checks the syntax (structure, strings, UTF-8, escapes, numbers, literals) but allocates
/// nothing. A scanner exists only inside `scan(_:_:)`, so it never outlives the bytes it reads.
///
/// Why `@safe` over an unsafe buffer: every read of `bytes` is preceded by an explicit `index < count`
/// check in this file or its extensions (the buffer subscript is unchecked in release builds, which is
/// where the speed comes from), and scanners are only made by `scan(_:_:)`, whose callers in this module
/// never keep one after the closure returns.
@safe
struct JSONScanner {
    /// Deepest nesting of arrays and objects accepted. Skipping recurses once per level, so this bounds the
    /// stack whatever the input; a real answer is 6 deep (envelope, data, item, clips, clip, metadata).
    static let maxDepth = 64

    let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the next unread byte.
    var index = 0
    /// Arrays and objects entered and not yet closed.
    private var depth = 0

    /// The JSON value kinds, told apart by their first byte.
    enum ValueKind: String {
        case object, array, string, number, bool, null
    }

    /// Where a walk through one array or object stands.
    struct Cursor {
        fileprivate var isFirst = true
    }

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        unsafe self.bytes = bytes
    }

    /// Runs `read` with a scanner over `body`; the scanner cannot escape the closure.
    static func scan<Result>(
        _ body: [UInt8], _ read: (inout JSONScanner) throws(GatewayDecodingError) -> Result
    ) throws(GatewayDecodingError) -> Result {
        try unsafe body.withUnsafeBufferPointer { (buffer) throws(GatewayDecodingError) -> Result in
            var scanner = unsafe JSONScanner(buffer)
            return try read(&scanner)
        }
    }

    var count: Int { unsafe bytes.count }

    /// The byte at `offset`. Callers check `offset < count` first.
    @inline(__always)
    func byte(_ offset: Int) -> UInt8 {
        unsafe bytes[offset]
    }

    /// The UTF-8 byte at `offset` of a static string. Callers keep `offset < utf8CodeUnitCount`.
    @inline(__always)
    static func byte(_ offset: Int, of text: StaticString) -> UInt8 {
        unsafe text.utf8Start[offset]
    }

    // MARK: - Whitespace and value kinds

    /// Skips JSON's insignificant whitespace: space, tab, line feed, carriage return.
    @inline(__always)
    mutating func skipWhitespace() {
        while index < count {
            switch byte(index) {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Skips whitespace and names the kind of the value that starts there, without consuming it.
    mutating func peekKind() throws(GatewayDecodingError) -> ValueKind {
        skipWhitespace()
        guard index < count else { throw truncated() }
        switch byte(index) {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw failure("expected a JSON value")
        }
    }

    /// Consumes any one value, checking it fully.
    mutating func skipValue() throws(GatewayDecodingError) {
        switch try peekKind() {
        case .object:
            var members = try beginObject()
            while try nextKey(&members) != nil { try skipValue() }
        case .array:
            var elements = try beginArray()
            while try nextElement(&elements) { try skipValue() }
        case .string: _ = try readString()
        case .number: _ = try readNumber()
        case .bool: _ = try readBool()
        case .null: try readNull()
        }
    }

    // MARK: - Literals

    mutating func readNull() throws(GatewayDecodingError) {
        try expectLiteral("null")
    }

    mutating func readBool() throws(GatewayDecodingError) -> Bool {
        skipWhitespace()
        if index < count, byte(index) == UInt8(ascii: "t") {
            try expectLiteral("true")
            return true
        }
        try expectLiteral("false")
        return false
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(GatewayDecodingError) {
        skipWhitespace()
        let length = literal.utf8CodeUnitCount
        for offset in 0..<length {
            guard index + offset < count else { throw truncated() }
            guard byte(index + offset) == Self.byte(offset, of: literal) else {
                throw failure("invalid literal, expected \(literal)", at: index + offset)
            }
        }
        index += length
    }

    // MARK: - Containers

    /// Consumes `{` and starts a walk through the object's members with `nextKey(_:)`.
    mutating func beginObject() throws(GatewayDecodingError) -> Cursor {
        try open(UInt8(ascii: "{"), "an object")
    }

    /// Consumes `[` and starts a walk through the array's elements with `nextElement(_:)`.
    mutating func beginArray() throws(GatewayDecodingError) -> Cursor {
        try open(UInt8(ascii: "["), "an array")
    }

    /// Moves to the next member of the object and returns its key, leaving the scanner at the member's
    /// value, which the caller must consume. Returns nil once the closing `}` has been consumed.
    mutating func nextKey(_ cursor: inout Cursor) throws(GatewayDecodingError) -> StringToken? {
        guard try advance(&cursor, closing: UInt8(ascii: "}")) else { return nil }
        skipWhitespace()
        guard index < count else { throw truncated() }
        guard byte(index) == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
        let key = try readString()
        skipWhitespace()
        guard index < count else { throw truncated() }
        guard byte(index) == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
        index += 1
        return key
    }

    /// Moves to the next element of the array, leaving the scanner at it; the caller must consume it.
    /// Returns false once the closing `]` has been consumed.
    mutating func nextElement(_ cursor: inout Cursor) throws(GatewayDecodingError) -> Bool {
        try advance(&cursor, closing: UInt8(ascii: "]"))
    }

    /// Checks that only whitespace follows the top-level value.
    mutating func finish() throws(GatewayDecodingError) {
        skipWhitespace()
        guard index == count else { throw failure("unexpected bytes after the end of the JSON value") }
    }

    private mutating func open(_ opening: UInt8, _ name: String) throws(GatewayDecodingError) -> Cursor {
        skipWhitespace()
        guard index < count else { throw truncated() }
        guard byte(index) == opening else { throw failure("expected \(name)") }
        guard depth < Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        depth += 1
        index += 1
        return Cursor()
    }

    /// Handles the separator before an element or member: true when one follows, false after consuming
    /// the closing bracket. A trailing comma (`[1,]`) is rejected because a value must follow a comma.
    private mutating func advance(_ cursor: inout Cursor, closing: UInt8) throws(GatewayDecodingError) -> Bool {
        skipWhitespace()
        guard index < count else { throw truncated() }
        let next = byte(index)
        if next == closing {
            index += 1
            depth -= 1
            return false
        }
        if cursor.isFirst {
            cursor.isFirst = false
            return true
        }
        guard next == UInt8(ascii: ",") else {
            throw failure("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }
        index += 1
        skipWhitespace()
        guard index < count else { throw truncated() }
        guard byte(index) != closing else {
            throw failure(
                closing == UInt8(ascii: "}") ? "expected a member name after ','" : "expected a value after ','")
        }
        return true
    }
}

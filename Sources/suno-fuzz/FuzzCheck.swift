/// Property checks inside harnesses. A failure must stop the process (libFuzzer then saves the input),
/// so it is a trap, not a thrown error; the message says which property broke.
enum FuzzCheck {
    static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #file,
        line: UInt = #line
    ) {
        if !condition() { fail(message(), file: file, line: line) }
    }

    static func fail(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
        fatalError("fuzz property broken: \(message)", file: file, line: line)
    }

    /// A short, printable rendering of text for failure messages.
    static func quoted(_ text: String) -> String {
        let shown = text.unicodeScalars.prefix(120).map { $0.escaped(asASCII: true) }.joined()
        return "\"\(shown)\(text.unicodeScalars.count > 120 ? "…" : "")\""
    }
}

/// Reads structured values out of a fuzz input, so one byte string can describe a family of metrics
/// or a choice of parser. Reading past the end yields zeros and empty strings, never a trap.
struct FuzzBytes {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A value in `range`, from one byte (ranges here are small).
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(byte()) % (range.count)
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return value
    }

    /// Up to `maxLength` raw bytes: a length byte, then that many bytes.
    mutating func chunk(maxLength: Int) -> [UInt8] {
        let length = min(Int(byte()), maxLength)
        var out: [UInt8] = []
        for _ in 0..<length where !isAtEnd { out.append(byte()) }
        return out
    }

    /// Text from raw bytes, as every String in the exporter is made from network bytes: ill-formed
    /// UTF-8 becomes U+FFFD, everything else (NUL, control characters, quotes) is kept.
    mutating func text(maxLength: Int) -> String {
        String(decoding: chunk(maxLength: maxLength), as: UTF8.self)
    }

    /// A double that is often a small integer or a simple fraction and sometimes any bit pattern
    /// (NaN payloads, infinities, subnormals, -0).
    mutating func double() -> Double {
        switch byte() % 4 {
        case 0: return Double(Int(byte()) - 8)
        case 1: return Double(uint64() % 10_000_000) / 1000
        case 2: return Double(bitPattern: uint64())
        default: return Double(UInt32(truncatingIfNeeded: uint64()))
        }
    }
}

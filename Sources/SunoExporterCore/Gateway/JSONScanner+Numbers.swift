/// One number literal in the scanned bytes, already checked against the JSON grammar.
struct NumberToken {
    var start: Int
    var end: Int
    /// True when the literal has no fraction and no exponent (`-12`, `1751871120`).
    var isInteger: Bool
}

/// A number's value, kept exact for integers that fit in 64 bits.
enum JSONNumber: Equatable {
    case integer(Int64)
    case real(Double)
}

extension JSONScanner {
    /// Reads the number literal at the current position:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    /// What follows it (`,`, `}`, …) is the caller's to check, which is what rejects `01` or `12ab`.
    mutating func readNumber() throws(GatewayDecodingError) -> NumberToken {
        skipWhitespace()
        let start = index
        var isInteger = true
        if index < count, byte(index) == UInt8(ascii: "-") { index += 1 }
        guard index < count else { throw truncated() }
        if byte(index) == UInt8(ascii: "0") {
            index += 1
        } else {
            try digits("a digit")
        }
        if index < count, byte(index) == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            try digits("a digit after the decimal point")
        }
        if index < count, byte(index) | 0x20 == UInt8(ascii: "e") {
            index += 1
            isInteger = false
            if index < count, byte(index) == UInt8(ascii: "+") || byte(index) == UInt8(ascii: "-") { index += 1 }
            try digits("a digit in the exponent")
        }
        return NumberToken(start: start, end: index, isInteger: isInteger)
    }

    /// The token's value: exact when it is an integer that fits in `Int64`, else the nearest `Double`.
    func value(_ token: NumberToken) -> JSONNumber {
        // 18 digits always fit in Int64; longer integers are rare enough to take the Double path.
        let negative = byte(token.start) == UInt8(ascii: "-")
        let firstDigit = negative ? token.start + 1 : token.start
        if token.isInteger, token.end - firstDigit <= 18 {
            var magnitude: Int64 = 0
            for offset in firstDigit..<token.end {
                magnitude = magnitude * 10 + Int64(byte(offset) - UInt8(ascii: "0"))
            }
            return .integer(negative ? -magnitude : magnitude)
        }
        // A checked JSON number is always valid input for Double's parser, so the fallback is unreachable.
        return .real(Double(text(token)) ?? .nan)
    }

    /// The literal exactly as written in the body.
    func text(_ token: NumberToken) -> String {
        unsafe String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
    }

    /// Consumes one or more ASCII digits.
    private mutating func digits(_ expected: String) throws(GatewayDecodingError) {
        let start = index
        while index < count, byte(index) &- UInt8(ascii: "0") < 10 { index += 1 }
        guard index > start else {
            if index == count { throw truncated() }
            throw failure("invalid number, expected \(expected)")
        }
    }
}

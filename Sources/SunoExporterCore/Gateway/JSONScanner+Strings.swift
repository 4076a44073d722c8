/// One string literal in the scanned bytes: the offsets between its quotes, still escaped.
/// Turning it into a `String` is left to the caller, so skipped strings cost no allocation.
struct StringToken {
    var start: Int
    var end: Int
    /// True when the literal holds a backslash escape and needs `unescapedBytes(_:)`.
    var hasEscapes: Bool
}

extension JSONScanner {
    /// Reads the string literal at the current position, checking its UTF-8 and its escapes.
    mutating func readString() throws(GatewayDecodingError) -> StringToken {
        skipWhitespace()
        guard index < count else { throw truncated() }
        guard byte(index) == UInt8(ascii: "\"") else { throw failure("expected a string") }
        let start = index + 1
        var offset = start
        var hasEscapes = false
        while true {
            offset = skipPlainASCII(from: offset)
            guard offset < count else { throw truncated() }
            let next = byte(offset)
            if next == UInt8(ascii: "\"") {
                index = offset + 1
                return StringToken(start: start, end: offset, hasEscapes: hasEscapes)
            } else if next == UInt8(ascii: "\\") {
                hasEscapes = true
                offset = try checkEscape(at: offset)
            } else if next < 0x20 {
                throw failure("control character U+00\(hex(next)) inside a string", at: offset)
            } else if next < 0x80 {
                offset += 1
            } else {
                offset = try checkUTF8Sequence(at: offset)
            }
        }
    }

    /// The token as a `String`. Escapes are decoded; plain tokens are copied straight from the body.
    func string(_ token: StringToken) -> String {
        guard token.hasEscapes else {
            return unsafe String(
                decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
        }
        return String(decoding: unescapedBytes(token), as: UTF8.self)
    }

    /// True when the token's text is exactly `name`. Plain tokens compare in place, without allocating.
    func token(_ token: StringToken, is name: StaticString) -> Bool {
        let length = name.utf8CodeUnitCount
        guard !token.hasEscapes else {
            let text = unescapedBytes(token)
            return text.count == length && text.indices.allSatisfy { text[$0] == Self.byte($0, of: name) }
        }
        guard token.end - token.start == length else { return false }
        for offset in 0..<length where byte(token.start + offset) != Self.byte(offset, of: name) {
            return false
        }
        return true
    }

    /// The UTF-8 bytes a token stands for, escapes decoded. Only called on tokens `readString()` has
    /// checked, so every escape is complete and every surrogate is paired.
    func unescapedBytes(_ token: StringToken) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(token.end - token.start)
        var offset = token.start
        while offset < token.end {
            let next = byte(offset)
            guard next == UInt8(ascii: "\\") else {
                text.append(next)
                offset += 1
                continue
            }
            let escape = byte(offset + 1)
            offset += 2
            switch escape {
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                var value = hexQuad(at: offset) ?? 0xFFFD
                offset += 4
                if (0xD800...0xDBFF).contains(value), let low = hexQuad(at: offset + 2) {
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    offset += 6
                }
                UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") { text.append($0) }
            default: text.append(escape)  // `"`, `\` and `/` stand for themselves
            }
        }
        return text
    }

    // MARK: - Checks

    /// Skips eight bytes at a time while none of them is a quote, a backslash, a control character or
    /// part of a multi-byte character: the common case for URLs, ids and English text.
    @inline(__always)
    private func skipPlainASCII(from start: Int) -> Int {
        var offset = start
        guard let base = unsafe bytes.baseAddress else { return offset }
        while offset + 8 <= count {
            let word = unsafe UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let lows: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            // Classic SWAR tests, exact for "is there any such byte": x - 0x01.. & ~x & 0x80.. is non-zero
            // iff some byte of x is zero, and x - 0x20.. & ~x & 0x80.. iff some byte is below 0x20.
            let quotes = word ^ (lows &* 0x22)
            let backslashes = word ^ (lows &* 0x5C)
            let special =
                ((quotes &- lows) & ~quotes) | ((backslashes &- lows) & ~backslashes)
                | ((word &- lows &* 0x20) & ~word) | word
            if special & highs != 0 { break }
            offset += 8
        }
        return offset
    }

    /// Checks the escape at `offset` (a backslash) and returns the offset after it. A `\u` high surrogate
    /// must be followed by a `\u` low surrogate, and a lone low surrogate is rejected: neither is text.
    private func checkEscape(at offset: Int) throws(GatewayDecodingError) -> Int {
        guard offset + 1 < count else { throw truncated() }
        switch byte(offset + 1) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return offset + 2
        case UInt8(ascii: "u"):
            let unit = try checkedHexQuad(at: offset + 2)
            if (0xDC00...0xDFFF).contains(unit) {
                throw failure("\\u escape is a lone low surrogate", at: offset)
            }
            guard (0xD800...0xDBFF).contains(unit) else { return offset + 6 }
            guard offset + 7 < count else { throw truncated() }
            guard byte(offset + 6) == UInt8(ascii: "\\"), byte(offset + 7) == UInt8(ascii: "u"),
                (0xDC00...0xDFFF).contains(try checkedHexQuad(at: offset + 8))
            else { throw failure("\\u escape is a high surrogate without its low half", at: offset) }
            return offset + 12
        default:
            throw failure("invalid escape sequence", at: offset)
        }
    }

    private func checkedHexQuad(at offset: Int) throws(GatewayDecodingError) -> UInt32 {
        guard offset + 4 <= count else { throw truncated() }
        guard let value = hexQuad(at: offset) else { throw failure("\\u needs four hex digits", at: offset) }
        return value
    }

    /// The value of four hex digits at `offset`, or nil when they are not all hex digits or run past the end.
    private func hexQuad(at offset: Int) -> UInt32? {
        guard offset + 4 <= count else { return nil }
        var value: UInt32 = 0
        for position in offset..<offset + 4 {
            let digit = byte(position)
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt32(digit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | UInt32(digit - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return value
    }

    /// Checks the multi-byte UTF-8 sequence starting at `offset` and returns the offset after it.
    /// Follows the well-formed table of Unicode §3.9 (table 3-7): no overlong forms, no surrogates,
    /// nothing above U+10FFFF.
    private func checkUTF8Sequence(at offset: Int) throws(GatewayDecodingError) -> Int {
        let lead = byte(offset)
        var length = 3
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: break
        case 0xED: secondRange = 0x80...0x9F
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: throw failure("invalid UTF-8 byte 0x\(hex(lead))", at: offset)
        }
        guard offset + length <= count else { throw truncated() }
        guard secondRange.contains(byte(offset + 1)) else { throw failure("invalid UTF-8 sequence", at: offset) }
        for position in offset + 2..<offset + length where byte(position) & 0xC0 != 0x80 {
            throw failure("invalid UTF-8 sequence", at: offset)
        }
        return offset + length
    }

    private func hex(_ value: UInt8) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return value < 0x10 ? "0" + digits : digits
    }
}

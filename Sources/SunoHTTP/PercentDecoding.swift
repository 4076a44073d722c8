/// Decodes the `%XX` escapes of a request path or query argument into text, refusing what could make
/// two different requests look like one: a NUL or other control character (MHD would have cut the path
/// at a decoded NUL, so `a%00b` looked up `a`), bytes that are not UTF-8 (replacing them would map `%FF`
/// and `%FE` to the same text), and a `%` not followed by two hex digits.
public enum PercentDecoding {
    /// Why a path or argument was refused, for a 400 answer.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case malformedEscape
        case controlCharacter
        case notUTF8

        public var description: String {
            switch self {
            case .malformedEscape: "a % is not followed by two hex digits"
            case .controlCharacter: "it contains a control character (such as %00)"
            case .notUTF8: "it is not UTF-8 once decoded"
            }
        }
    }

    /// The decoded text of `raw`, the bytes as the client sent them.
    public static func decode(_ raw: some Collection<UInt8>) -> Result<String, Failure> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index != raw.endIndex {
            var byte = raw[index]
            index = raw.index(after: index)
            if byte == UInt8(ascii: "%") {
                guard index != raw.endIndex, let high = hexValue(raw[index]) else { return .failure(.malformedEscape) }
                index = raw.index(after: index)
                guard index != raw.endIndex, let low = hexValue(raw[index]) else { return .failure(.malformedEscape) }
                index = raw.index(after: index)
                byte = high << 4 | low
            }
            if byte < 0x20 || byte == 0x7F { return .failure(.controlCharacter) }
            bytes.append(byte)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

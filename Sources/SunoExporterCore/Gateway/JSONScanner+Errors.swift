extension JSONScanner {
    /// Bytes quoted before and after the failing offset. Together with the prefix of a non-JSON body
    /// (`excerpt(from:)`) no error ever quotes more than 48 bytes of an answer.
    private static let excerptBefore = 16
    private static let excerptAfter = 32

    /// A syntax error at `offset` (default: the current position), quoting the bytes around it.
    func failure(_ reason: String, at offset: Int? = nil) -> GatewayDecodingError {
        let at = min(offset ?? index, count)
        let from = max(0, at - Self.excerptBefore)
        let upTo = min(count, at + Self.excerptAfter)
        return GatewayDecodingError("invalid JSON at byte \(at): \(reason), near `\(excerpt(from: from, upTo: upTo))`")
    }

    /// The body stopped inside a value: most often a connection cut short or a size-capped proxy.
    func truncated() -> GatewayDecodingError {
        let from = max(0, count - Self.excerptBefore)
        return GatewayDecodingError(
            "invalid JSON: the answer ends after \(count) bytes inside an unfinished value (truncated?), "
                + "last bytes `\(excerpt(from: from, upTo: count))`")
    }

    /// The start of a body that is not a JSON object at all (an HTML error page, plain text, an array…).
    func notAnObject() -> GatewayDecodingError {
        let upTo = min(count, index + Self.excerptAfter)
        let start = excerpt(from: index, upTo: upTo)
        if start.hasPrefix("<") {
            return GatewayDecodingError("answer is HTML or XML, not JSON: starts with `\(start)`")
        }
        return GatewayDecodingError("answer is not a JSON object: starts with `\(start)`")
    }

    /// The bytes in `from..<upTo` as printable text: invalid UTF-8 becomes U+FFFD and control characters
    /// become spaces, so an excerpt cannot break a log line.
    func excerpt(from: Int, upTo: Int) -> String {
        guard from < upTo else { return "" }
        let text = unsafe String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<upTo]), as: UTF8.self)
        var printable = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            printable.append(scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar)
        }
        return String(printable)
    }
}

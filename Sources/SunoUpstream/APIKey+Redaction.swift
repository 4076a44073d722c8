extension APIKey {
    /// Shortest run of key characters that counts as a leak. Gateway texts reach us cut short
    /// ("starts with `…sk-Zq9SECRET`"), so whole-key matching is not enough.
    static let leakRun = 6

    /// `text` with every run of at least `leakRun` consecutive characters of the key (the whole key
    /// when it is shorter) replaced by `<redacted>`: the key itself, the gateway's stripped form
    /// without `sk-`, and fragments cut at either end. Meant for short texts (error messages).
    func redacting(_ text: String) -> String {
        let secret = Array(self.secret.utf8)
        guard !secret.isEmpty else { return text }
        let minimum = min(Self.leakRun, secret.count)
        let bytes = Array(text.utf8)
        var hidden = [Bool](repeating: false, count: bytes.count)
        var found = false
        for start in bytes.indices {
            var longest = 0
            for offset in secret.indices where secret[offset] == bytes[start] {
                var length = 0
                while start + length < bytes.count, offset + length < secret.count,
                    bytes[start + length] == secret[offset + length]
                {
                    length += 1
                }
                longest = max(longest, length)
            }
            if longest >= minimum {
                for index in start..<(start + longest) { hidden[index] = true }
                found = true
            }
        }
        guard found else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if hidden[index] {
                output.append(contentsOf: "<redacted>".utf8)
                while index < bytes.count, hidden[index] { index += 1 }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        // A run may end inside a multi-byte character; decoding repairs it.
        return String(decoding: output, as: UTF8.self)
    }
}

/// The task id formats a gateway may hand out (COMETAPI.md §3): CometAPI's dashed UUIDs,
/// Suno-API's 32 hex characters, and new-api 2026's `task_` + 32 alphanumerics.
enum TaskIDs {
    private static let hex = Array("0123456789abcdef")
    private static let alphanumerics = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// One id in a randomly chosen format.
    static func draw(using generator: inout SeededGenerator) -> String {
        switch generator.next() % 3 {
        case 0: uuid(using: &generator)
        case 1: hex32(using: &generator)
        default: publicTaskID(using: &generator)
        }
    }

    /// A lower-case version-4 UUID, e.g. `3435e194-50e7-4edc-9442-bffe072fccf1`.
    static func uuid(using generator: inout SeededGenerator) -> String {
        var bytes = randomBytes(16, using: &generator)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append("-") }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0xF)])
        }
        return text
    }

    /// 32 lower-case hex characters (a dash-less UUID).
    static func hex32(using generator: inout SeededGenerator) -> String {
        uuid(using: &generator).filter { $0 != "-" }
    }

    /// `task_` followed by 32 characters of `[0-9a-zA-Z]`.
    static func publicTaskID(using generator: inout SeededGenerator) -> String {
        "task_" + randomText(32, from: alphanumerics, using: &generator)
    }

    /// `count` characters drawn from `alphabet`.
    static func randomText(_ count: Int, from alphabet: [Character], using generator: inout SeededGenerator) -> String {
        String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// Letters and digits, as new-api's `GetRandomString`.
    static func randomAlphanumerics(_ count: Int, using generator: inout SeededGenerator) -> String {
        randomText(count, from: alphanumerics, using: &generator)
    }

    private static func randomBytes(_ count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            var word = generator.next()
            for _ in 0..<8 where bytes.count < count {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return bytes
    }
}

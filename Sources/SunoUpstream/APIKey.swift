import Foundation

/// The gateway API key. It never prints: `description`, `debugDescription` and the mirror
/// all show `<redacted>`, so interpolating a key into a log line or an error is harmless.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself; only the client's `Authorization` header and redaction read it.
    let secret: String

    /// Wraps a key, trimming surrounding whitespace and newlines (key files usually end in one).
    public init(_ raw: String) {
        secret = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when nothing is left after trimming: such a key is never sent.
    public var isEmpty: Bool { secret.isEmpty }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

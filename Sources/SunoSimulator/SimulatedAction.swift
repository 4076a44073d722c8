/// The two kinds of Suno task the gateway runs.
public enum SimulatedAction: String, Sendable, CaseIterable, Hashable {
    case music = "MUSIC"
    case lyrics = "LYRICS"

    /// Parses an action case-insensitively, as the gateway upper-cases the `:action` path segment.
    public init?(parsing text: String) {
        self.init(rawValue: text.uppercased())
    }
}

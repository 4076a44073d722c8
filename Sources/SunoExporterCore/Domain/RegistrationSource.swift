/// Where an id on the watch list came from: the `source` label of the registration and
/// never-seen counters. Stored as text in the `tasks` table; any other text is `other`, so the
/// label stays bounded whatever a database holds.
public enum RegistrationSource: String, Sendable, CaseIterable, Hashable {
    case api, cli, hook, demo
    /// The submit proxy: the id came back from a submit the exporter forwarded to the gateway.
    case proxy
    case other

    /// The label for a stored source text.
    public init(label text: String) {
        self = RegistrationSource(rawValue: text) ?? .other
    }
}

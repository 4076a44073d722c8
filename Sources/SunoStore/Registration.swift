import SunoExporterCore

/// An id to add to the watch list.
public struct Registration: Sendable, Equatable {
    public var id: String
    public var action: TaskAction
    public var model: String?
    public var labels: [String: String]

    public init(id: String, action: TaskAction, model: String? = nil, labels: [String: String] = [:]) {
        self.id = id
        self.action = action
        self.model = model
        self.labels = labels
    }
}

/// What a registration did: new ids, ids that were already watched (or already finished), and ids
/// left to another replica (`--shard`).
public struct RegistrationResult: Sendable, Equatable {
    public var accepted: Int
    public var duplicates: Int
    public var otherShard: Int
    public init(accepted: Int, duplicates: Int, otherShard: Int = 0) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.otherShard = otherShard
    }
}

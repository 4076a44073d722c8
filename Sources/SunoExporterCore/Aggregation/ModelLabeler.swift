/// Bounds the `model` label: the first `maxModels` distinct model names keep their own label,
/// later ones become `other` (DESIGN.md §2). The admitted list is persisted, so the mapping is
/// the same after a restart.
public struct ModelLabeler: Sendable, Equatable {
    public let maxModels: Int
    public private(set) var admitted: [String]
    private var admittedSet: Set<String>
    /// How many of `admitted` (a prefix: admissions only append) the store is known to hold.
    public private(set) var persistedCount: Int

    /// `admitted`: the models the store holds, in admission order.
    public init(maxModels: Int, admitted: [String] = []) {
        self.maxModels = maxModels
        self.admitted = []
        self.admittedSet = []
        self.persistedCount = 0
        for name in admitted where admittedSet.count < maxModels { _ = self.admit(name) }
        persistedCount = self.admitted.count
    }

    /// Admitted models the store may not hold yet: a batch whose commit failed leaves its
    /// admissions here, so the next batch persists them.
    public var unpersisted: ArraySlice<String> { admitted[persistedCount...] }

    /// The first `count` admitted models are persisted.
    public mutating func markPersisted(upTo count: Int) {
        persistedCount = min(admitted.count, max(persistedCount, count))
    }

    /// The label for a (normalised) model name, admitting it when there is room.
    /// Returns whether it was newly admitted, so the caller can persist it.
    public mutating func label(for model: String) -> (label: String, admitted: Bool) {
        if model == ModelName.unknown || model == ModelName.other || admittedSet.contains(model) {
            return (model, false)
        }
        if admittedSet.count < maxModels {
            return (model, admit(model))
        }
        return (ModelName.other, false)
    }

    /// The label without admitting anything.
    public func existingLabel(for model: String) -> String {
        if model == ModelName.unknown || model == ModelName.other || admittedSet.contains(model) { return model }
        return ModelName.other
    }

    private mutating func admit(_ model: String) -> Bool {
        guard admittedSet.insert(model).inserted else { return false }
        admitted.append(model)
        return true
    }
}

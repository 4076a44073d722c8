/// When a task counts as stuck, and when the exporter gives up on it (DESIGN.md §2).
public struct LifecyclePolicy: Sendable, Equatable {
    /// Age (now − submit) after which a non-terminal task is stuck, per action.
    public var stuckAfter: [TaskAction: Double]
    /// Age after which a non-terminal task is finished as `expired`.
    public var giveUpAfter: Double
    /// How long after registration an id may stay absent from every answer before it expires.
    public var missingGrace: Double

    public init(
        stuckAfter: [TaskAction: Double] = Self.defaultStuckAfter, giveUpAfter: Double = 86_400,
        missingGrace: Double = 900
    ) {
        self.stuckAfter = stuckAfter
        self.giveUpAfter = giveUpAfter
        self.missingGrace = missingGrace
    }

    public static let defaultStuckAfter: [TaskAction: Double] = [.music: 600, .lyrics: 180]

    public func stuckThreshold(for action: TaskAction) -> Double {
        stuckAfter[action] ?? Self.defaultStuckAfter[action] ?? 600
    }
}

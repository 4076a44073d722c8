import Logging

/// Feeds a simulator a steady stream of tasks across its models, as users of a gateway would,
/// and reports each task so the exporter can watch it (`suno-exporter serve --demo`).
public final class DemoWorkload: Sendable {
    /// How much work, and of which kind.
    public struct Configuration: Sendable {
        /// New tasks per minute of wall-clock time.
        public var tasksPerMinute: Double
        /// Share of LYRICS tasks; the rest is MUSIC, spread evenly over the simulator's MUSIC models.
        public var lyricsShare: Double
        /// Tasks submitted at once when `run()` starts, backdated over `backfillWindow`, so finished
        /// tasks (and real latency metrics) show up within the first poll.
        public var backfillTasks: Int
        /// Seconds (before the simulator's time scale) the backfill spreads over.
        public var backfillWindow: Double
        /// Seeds the choice of action, model and prompt of each task.
        public var seed: UInt64

        /// The defaults: 12 tasks a minute, 15% LYRICS, 30 tasks backfilled over the last five minutes.
        public init(
            tasksPerMinute: Double = 12, lyricsShare: Double = 0.15, backfillTasks: Int = 30,
            backfillWindow: Double = 300, seed: UInt64 = 7
        ) {
            self.tasksPerMinute = tasksPerMinute
            self.lyricsShare = lyricsShare
            self.backfillTasks = backfillTasks
            self.backfillWindow = backfillWindow
            self.seed = seed
        }
    }

    /// Called for each task submitted: id, action ("MUSIC"/"LYRICS"), model (nil for LYRICS).
    public typealias Callback = @Sendable (_ id: String, _ action: String, _ model: String?) async -> Void

    private let simulator: SunoSimulator
    private let configuration: Configuration
    private let logger: Logger
    private let onSubmit: Callback
    private let musicModels: [String]

    /// A workload for `simulator` reporting every submitted task to `onSubmit`.
    public init(
        simulator: SunoSimulator, configuration: Configuration = Configuration(), logger: Logger,
        onSubmit: @escaping Callback
    ) {
        self.simulator = simulator
        self.configuration = configuration
        self.logger = logger
        self.onSubmit = onSubmit
        let models = simulator.configuration.models.filter { $0.action == .music }.compactMap(\.model)
        musicModels = models.isEmpty ? [SubmitRequest.defaultMusicModel] : models
    }

    /// Submits the backfill, then one task every `60 / tasksPerMinute` seconds until the task is cancelled.
    public func run() async {
        var generator = SeededGenerator(seed: configuration.seed)
        let scale = simulator.configuration.timeScale.sanitized()
        let window = configuration.backfillWindow.sanitized() * scale
        let ages = (0..<max(0, configuration.backfillTasks)).map { _ in generator.draw(0...window) }
        for age in ages.sorted(by: >) {
            guard !Task.isCancelled else { return }
            await submitOne(using: &generator, backdatedBy: age)
        }
        logger.info(
            "demo workload started",
            metadata: ["demo.backfill": "\(ages.count)", "demo.tasks_per_minute": "\(configuration.tasksPerMinute)"])
        let interval = (60 / max(configuration.tasksPerMinute.sanitized(), 0.001)).sanitized(limit: 86_400)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1_000)))
            } catch {
                return
            }
            await submitOne(using: &generator, backdatedBy: 0)
        }
    }

    private func submitOne(using generator: inout SeededGenerator, backdatedBy age: Double) async {
        let lyrics = generator.chance(configuration.lyricsShare)
        let action: SimulatedAction = lyrics ? .lyrics : .music
        let model = lyrics ? nil : generator.pick(musicModels)
        let prompt = generator.pick(SampleContent.prompts)
        let id = simulator.submit(action: action.rawValue, model: model, prompt: prompt, backdatedBy: age)
        await onSubmit(id, action.rawValue, model)
    }
}

import Foundation
import SunoSimulator

/// The gateway simulator in a child process (`suno-bench __simulator`), so the parent's CPU clock
/// counts only the exporter's work. It submits the tasks itself, prints their ids, then answers
/// line commands on stdin until stdin closes:
///
///     advance <seconds>   → "ok"          moves the simulator's manual clock
///     cpu                 → "<seconds>"   CPU time used by this process
///     stats               → "<fetch requests> <ids requested>"
enum SimulatorChild {
    static let command = "__simulator"
    /// Every process of a run starts its manual clocks here (July 2026), so the exporter and the
    /// simulator agree on "now" to the second.
    static let startInstant: Double = 1_783_000_000

    /// MUSIC models the benchmark spreads its tasks over (real Suno model names).
    static let models = ["chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow"]

    /// The lyrics of COMETAPI.md's sample item: both clips of a task carry them, so an item weighs what a real one does.
    static let prompt =
        "[Verse]\nNeon rain on the window glass\nCity lights that never pass\n\n[Chorus]\nHold on, hold on to the night"

    /// Every task of the benchmark follows the same timeline, so a whole watch list changes status
    /// at once: NOT_START, SUBMITTED at +5 s, QUEUED at +10 s, IN_PROGRESS (two streaming clips)
    /// at +15 s, and it stays there for a day.
    static let timeline = PhaseTimeline(
        toSubmitted: 5...5, toQueued: 5...5, toInProgress: 5...5, toDone: 86_000...86_000)

    /// The parent's side: starts a child with `tasks` tasks and reads their ids.
    static func spawn(tasks: Int) throws -> (child: ChildProcess, baseURL: String, ids: [String]) {
        let child = try ChildProcess(arguments: [command, String(tasks)])
        let url = try child.readLine()
        var ids: [String] = []
        ids.reserveCapacity(tasks)
        for _ in 0..<tasks { ids.append(try child.readLine()) }
        guard try child.readLine() == "ready" else { throw BenchError("simulator child did not get ready") }
        return (child, url, ids)
    }

    /// The child's side.
    static func run(arguments: [String]) {
        let tasks = max(0, Int(arguments.first ?? "") ?? 0)
        let clock = ManualClock(now: startInstant)
        let configuration = SimulatorConfiguration(
            models: [ModelProfile(action: .music, model: nil, timeline: timeline)], seed: 2_026, earlyStartShare: 0,
            clock: .manual(clock))
        let simulator = SunoSimulator(configuration: configuration, logger: Measure.quietLogger)
        do {
            try simulator.start()
        } catch {
            FileOutput.standardError("simulator child: \(error)\n")
            exit(1)
        }
        var text = simulator.baseURL + "\n"
        text.reserveCapacity(tasks * 40)
        for index in 0..<tasks {
            let model = models[index % models.count]
            text += simulator.submit(action: "MUSIC", model: model, prompt: prompt) + "\n"
        }
        FileOutput.standardOutput(text + "ready\n")

        var input = LineReader(fd: 0)
        while let line = input.next() {
            let words = line.split(separator: " ")
            switch words.first {
            case "advance":
                clock.advance(by: Double(words.dropFirst().first ?? "0") ?? 0)
                FileOutput.standardOutput("ok\n")
            case "cpu":
                FileOutput.standardOutput("\(Measure.processCPUSeconds())\n")
            case "stats":
                let stats = simulator.stats
                FileOutput.standardOutput("\(stats.fetchRequests) \(stats.idsRequested)\n")
            default:
                FileOutput.standardOutput("unknown command\n")
            }
        }
        simulator.stop()
        exit(0)
    }
}

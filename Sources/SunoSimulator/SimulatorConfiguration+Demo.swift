extension SimulatorConfiguration {
    /// A realistic gateway: five MUSIC models with their own speed and failure habits, plus LYRICS.
    /// Music tasks take one to four minutes; a few fail, time out, hang or freeze.
    public static func demo() -> SimulatorConfiguration {
        SimulatorConfiguration(
            models: [
                ModelProfile(
                    action: .music, model: "chirp-v3-5",
                    timeline: PhaseTimeline(
                        toSubmitted: 2...10, toQueued: 2...8, toInProgress: 5...25, toDone: 60...150),
                    failureShare: 0.06, timeoutShare: 0.01, hangShare: 0.005, frozenShare: 0.003),
                ModelProfile(
                    action: .music, model: "chirp-v4",
                    timeline: PhaseTimeline(
                        toSubmitted: 2...10, toQueued: 2...10, toInProgress: 5...30, toDone: 50...140),
                    failureShare: 0.04, timeoutShare: 0.01, hangShare: 0.005, frozenShare: 0.003),
                ModelProfile(
                    action: .music, model: "chirp-auk",
                    timeline: PhaseTimeline(
                        toSubmitted: 2...10, toQueued: 3...12, toInProgress: 8...40, toDone: 60...180),
                    failureShare: 0.05, timeoutShare: 0.015, hangShare: 0.005, frozenShare: 0.003),
                ModelProfile(
                    action: .music, model: "chirp-bluejay",
                    timeline: PhaseTimeline(
                        toSubmitted: 2...10, toQueued: 3...15, toInProgress: 10...45, toDone: 70...200),
                    failureShare: 0.07, timeoutShare: 0.015, hangShare: 0.01, frozenShare: 0.005),
                ModelProfile(
                    action: .music, model: "chirp-crow",
                    timeline: PhaseTimeline(
                        toSubmitted: 2...10, toQueued: 3...20, toInProgress: 10...60, toDone: 80...240),
                    failureShare: 0.08, timeoutShare: 0.02, hangShare: 0.01, frozenShare: 0.005),
                ModelProfile(
                    action: .lyrics, model: nil, timeline: .lyrics(firstPoll: 2...15),
                    failureShare: 0.01, hangShare: 0.002),
            ],
            seed: 20_250_707,
            // About $1 a minute at the demo's pace: days before the balance could run out.
            account: SimulatorAccount(startingBalance: 5_000))
    }

    /// This configuration with every task hanging: none fails, times out, freezes or finishes, and no
    /// gateway sweep ends them (`serve --demo --demo.hang`). Stuck-task gauges and alerts then fire
    /// as soon as tasks pass `--task.stuck-after`; where a task hangs (NOT_START, QUEUED or
    /// IN_PROGRESS) is still drawn per task.
    public func everyTaskHanging() -> SimulatorConfiguration {
        var hanging = self
        hanging.gatewaySweepAfter = nil
        hanging.models = models.map { profile in
            var profile = profile
            profile.failureShare = 0
            profile.timeoutShare = 0
            profile.hangShare = 1
            profile.frozenShare = 0
            return profile
        }
        return hanging
    }
}

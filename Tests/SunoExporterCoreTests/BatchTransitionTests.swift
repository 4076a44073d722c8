import Testing

@testable import SunoExporterCore

/// Whole batches through `BatchTransition.apply`, with no store underneath: which rows are
/// rewritten, which are only counted as polled, the history rows, the aggregate cells, the
/// failure-ratio rollup and the model labels of one answer.
struct BatchTransitionTests {
    static let policy = LifecyclePolicy(
        stuckAfter: [.music: 600, .lyrics: 180], giveUpAfter: 86_400, missingGrace: 900)
    static let registeredAt = 1_000_000.0

    static func task(
        _ id: String, status: String = "NOT_START", submit: Int64 = 0, start: Int64 = 0, model: String? = "chirp-v4",
        returned: Bool = false, queueWaitObserved: Bool = false, outcome: TaskOutcome? = nil, source: String = "api"
    ) -> TrackedTask {
        TrackedTask(
            id: id, action: .music, registeredModel: model, status: status, progress: returned ? "0%" : "",
            submitTime: submit, startTime: start,
            firstSeen: registeredAt, firstReturned: returned ? registeredAt : nil, outcome: outcome,
            finishedAt: outcome == nil ? nil : registeredAt + 50, queueWaitObserved: queueWaitObserved, source: source)
    }

    static func finished(_ outcome: TaskOutcome, model: String = "chirp-v4") -> AggregateCell {
        AggregateCell(kind: .finished, action: "MUSIC", model: model, label: outcome.rawValue)
    }

    static func neverSeen(_ source: RegistrationSource) -> AggregateCell {
        AggregateCell(kind: .neverSeen, label: source.rawValue)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var tasks: [TrackedTask]
        var observations: [TaskObservation]
        var now: Double
        var maxModels = 30
        var admitted: [String] = []
        // Expectations.
        var changed: [String]
        var unchanged: [String]
        /// (task id, status) of each history row, in order.
        var history: [String]
        var finished: Int
        /// Cells the batch must add to (others may be added too, histograms for instance).
        var cells: [AggregateCell: Double] = [:]
        /// Cell kinds the batch must not touch at all.
        var untouchedKinds: Set<AggregateCell.Kind> = []
        var finishMinutes: [FinishMinute: FinishCounts] = [:]
        var newModels: [String] = []
        var testDescription: String { name }
    }

    static let minute = FinishMinute.minute(of: 1_000_700)

    static let cases: [Case] = [
        Case(
            name: "mixed statuses: first answer, success, unchanged, already finished",
            tasks: [
                task("a"),
                task("b", status: "QUEUED", submit: 1_000_010, returned: true),
                task(
                    "c", status: "IN_PROGRESS", submit: 1_000_010, start: 1_000_020, returned: true,
                    queueWaitObserved: true),
                task("d", status: "SUCCESS", submit: 1_000_010, returned: true, outcome: .success),
            ],
            observations: [
                TaskObservation(taskID: "a", status: "SUBMITTED", submitTime: 1_000_600),
                TaskObservation(
                    taskID: "b", status: "SUCCESS", progress: "100%", submitTime: 1_000_010, startTime: 1_000_030,
                    finishTime: 1_000_130),
                TaskObservation(taskID: "c", status: "IN_PROGRESS", submitTime: 1_000_010, startTime: 1_000_020),
                TaskObservation(taskID: "d", status: "FAILURE", progress: "100%", failReason: "late"),
            ],
            now: 1_000_700, changed: ["a", "b"], unchanged: ["c"], history: ["a SUBMITTED", "b SUCCESS"], finished: 1,
            cells: [
                finished(.success): 1,
                AggregateCell(kind: .duration, action: "MUSIC", model: "chirp-v4", label: "success", slot: -2): 120,
                AggregateCell(kind: .queueWait, action: "MUSIC", model: "chirp-v4", slot: -2): 20,
            ],
            untouchedKinds: [.failures, .neverSeen],
            finishMinutes: [FinishMinute(minute: minute, action: .music, model: "chirp-v4"): FinishCounts(finished: 1)],
            newModels: ["chirp-v4"]),
        Case(
            name: "missing ids: never returned past the grace expires, others wait",
            tasks: [
                task("gone"),
                task("late", status: "QUEUED", submit: 1_000_010, returned: true),
                TrackedTask(id: "new", action: .music, firstSeen: 1_000_650, source: "hook"),
            ],
            observations: [], now: 1_000_900, changed: ["gone"], unchanged: ["late", "new"], history: [],
            finished: 1, cells: [finished(.expired): 1, neverSeen(.api): 1],
            finishMinutes: [
                FinishMinute(minute: FinishMinute.minute(of: 1_000_900), action: .music, model: "chirp-v4"):
                    FinishCounts(finished: 1)
            ],
            newModels: ["chirp-v4"]),
        Case(
            name: "frozen failure: 100% with a reason ends as a failure at decision time",
            tasks: [task("f", status: "IN_PROGRESS", submit: 1_000_010, start: 1_000_010, returned: true)],
            observations: [
                TaskObservation(
                    taskID: "f", status: "IN_PROGRESS", progress: "100%", failReason: "Unable to generate audio",
                    submitTime: 1_000_010, startTime: 1_000_010)
            ],
            now: 1_000_700, changed: ["f"], unchanged: [], history: ["f IN_PROGRESS"], finished: 1,
            cells: [
                finished(.failure): 1,
                AggregateCell(kind: .failures, action: "MUSIC", model: "chirp-v4", label: "generation_error"): 1,
                AggregateCell(kind: .duration, action: "MUSIC", model: "chirp-v4", label: "failure", slot: -2): 690,
            ],
            untouchedKinds: [.neverSeen],
            finishMinutes: [
                FinishMinute(minute: minute, action: .music, model: "chirp-v4"): FinishCounts(finished: 1, failures: 1)
            ],
            newModels: ["chirp-v4"]),
        Case(
            name: "expiry: too old after being seen is not never-seen; unseen ids count by source",
            tasks: [
                task("old", status: "QUEUED", submit: 1_000_000, returned: true),
                task("via-proxy", source: "proxy"),
                task("odd-source", source: "carrier-pigeon"),
            ],
            observations: [TaskObservation(taskID: "old", status: "QUEUED", submitTime: 1_000_000)],
            now: 1_000_000 + 86_401, changed: ["old", "via-proxy", "odd-source"], unchanged: [], history: [],
            finished: 3,
            cells: [finished(.expired): 3, neverSeen(.proxy): 1, neverSeen(.other): 1],
            finishMinutes: [
                FinishMinute(minute: FinishMinute.minute(of: 1_086_401), action: .music, model: "chirp-v4"):
                    FinishCounts(finished: 3)
            ],
            newModels: ["chirp-v4"]),
        Case(
            name: "model overflow: past --metrics.max-models a model is labelled other",
            tasks: [task("m1", model: "m1"), task("m2", model: "m2"), task("m3", model: "m3"), task("u", model: nil)],
            observations: ["m1", "m2", "m3", "u"].map {
                TaskObservation(
                    taskID: $0, status: "SUCCESS", progress: "100%", submitTime: 1_000_010, finishTime: 1_000_100)
            },
            now: 1_000_700, maxModels: 2, admitted: ["m1"], changed: ["m1", "m2", "m3", "u"], unchanged: [],
            history: ["m1 SUCCESS", "m2 SUCCESS", "m3 SUCCESS", "u SUCCESS"], finished: 4,
            cells: [
                finished(.success, model: "m1"): 1, finished(.success, model: "m2"): 1,
                finished(.success, model: "other"): 1, finished(.success, model: "unknown"): 1,
            ],
            finishMinutes: [
                FinishMinute(minute: minute, action: .music, model: "m1"): FinishCounts(finished: 1),
                FinishMinute(minute: minute, action: .music, model: "m2"): FinishCounts(finished: 1),
                FinishMinute(minute: minute, action: .music, model: "other"): FinishCounts(finished: 1),
                FinishMinute(minute: minute, action: .music, model: "unknown"): FinishCounts(finished: 1),
            ],
            newModels: ["m2"]),
        Case(
            name: "nothing new: an unchanged batch writes only poll bookkeeping",
            tasks: [task("q", status: "QUEUED", submit: 1_000_010, returned: true)],
            observations: [TaskObservation(taskID: "q", status: "QUEUED", submitTime: 1_000_010)],
            now: 1_000_700, admitted: ["chirp-v4"], changed: [], unchanged: ["q"], history: [], finished: 0,
            untouchedKinds: Set(AggregateCell.Kind.allCases)),
    ]

    @Test(arguments: cases)
    func batch(_ c: Case) {
        var labeler = ModelLabeler(maxModels: c.maxModels, admitted: c.admitted)
        var byID: [String: TaskObservation] = [:]
        for observation in c.observations { byID[observation.taskID] = observation }
        let transition = BatchTransition.apply(byID, to: c.tasks, now: c.now, policy: Self.policy, labeler: &labeler)

        #expect(transition.changed.map(\.id) == c.changed)
        #expect(transition.polledUnchanged == c.unchanged)
        #expect(transition.history.map { "\($0.taskID) \($0.entry.status)" } == c.history)
        #expect(transition.history.allSatisfy { $0.entry.observedAt == c.now })
        #expect(transition.finished == c.finished)
        #expect(transition.changed.filter(\.isFinished).count == c.finished)
        #expect(transition.polledAt == c.now)
        for (cell, value) in c.cells {
            #expect(transition.deltas.values[cell] == value, "\(cell)")
        }
        for cell in transition.deltas.values.keys {
            #expect(!c.untouchedKinds.contains(cell.kind), "unexpected \(cell)")
        }
        #expect(transition.finishMinutes == c.finishMinutes)
        #expect(transition.newModels == c.newModels)
        #expect(transition.admittedModelCount == labeler.admitted.count)
        // Every changed row counts this poll; a finished input row is never part of the batch.
        for task in transition.changed {
            #expect(task.pollCount == 1 && task.lastPolled == c.now, "\(task.id)")
        }
        #expect(!transition.changed.contains { $0.id == "d" } && !transition.polledUnchanged.contains("d"))
    }

    /// A hook callback is not a poll: nothing is counted as polled, and a row that does not change
    /// is left out entirely.
    @Test func aHookIsNotAPoll() {
        var labeler = ModelLabeler(maxModels: 30)
        let tasks = [
            Self.task("h", status: "QUEUED", submit: 1_000_010, returned: true),
            Self.task("same", status: "QUEUED", submit: 1_000_010, returned: true),
        ]
        let observations = [
            "h": TaskObservation(taskID: "h", status: "IN_PROGRESS", submitTime: 1_000_010, startTime: 1_000_040),
            "same": TaskObservation(taskID: "same", status: "QUEUED", submitTime: 1_000_010),
        ]
        let transition = BatchTransition.apply(
            observations, to: tasks, now: 1_000_100, policy: Self.policy, labeler: &labeler, isPoll: false)
        #expect(transition.changed.map(\.id) == ["h"])
        #expect(transition.changed[0].pollCount == 0 && transition.changed[0].lastPolled == nil)
        #expect(transition.polledUnchanged.isEmpty)
        #expect(
            transition.deltas.values[AggregateCell(kind: .queueWait, action: "MUSIC", model: "chirp-v4", slot: -2)]
                == 30)
    }

    /// A batch whose commit failed leaves its admissions unpersisted: the next batch carries them,
    /// even when it admits nothing itself, until a commit marks them persisted.
    @Test func admissionsOfAFailedCommitReachTheNextBatch() {
        var labeler = ModelLabeler(maxModels: 30)
        let finishing = [Self.task("x", model: "chirp-crow")]
        let success = [
            "x": TaskObservation(
                taskID: "x", status: "SUCCESS", progress: "100%", submitTime: 1_000_010, finishTime: 1_000_100)
        ]
        let first = BatchTransition.apply(
            success, to: finishing, now: 1_000_200, policy: Self.policy, labeler: &labeler)
        #expect(first.newModels == ["chirp-crow"])
        // Not committed: the next batch (nothing to label) still persists the admission.
        let quiet = [Self.task("y", status: "QUEUED", submit: 1_000_010, returned: true)]
        let queued = ["y": TaskObservation(taskID: "y", status: "QUEUED", submitTime: 1_000_010)]
        let second = BatchTransition.apply(queued, to: quiet, now: 1_000_210, policy: Self.policy, labeler: &labeler)
        #expect(second.newModels == ["chirp-crow"])
        #expect(!second.isEmpty)
        labeler.markPersisted(upTo: second.admittedModelCount)
        let third = BatchTransition.apply(queued, to: quiet, now: 1_000_220, policy: Self.policy, labeler: &labeler)
        #expect(third.newModels.isEmpty)
        // A stale mark never takes back a later one.
        labeler.markPersisted(upTo: 0)
        #expect(labeler.unpersisted.isEmpty)
    }
}

import Testing

@testable import SunoExporterCore

/// Table-driven checks of DESIGN.md §2 through `Lifecycle.apply`.
struct LifecycleTests {
    static let policy = LifecyclePolicy(
        stuckAfter: [.music: 600, .lyrics: 180], giveUpAfter: 86_400, missingGrace: 900)
    static let registeredAt = 1_000_000.0

    static func task(
        _ action: TaskAction = .music, status: String = "NOT_START", submit: Int64 = 0, start: Int64 = 0,
        returned: Bool = false, queueWaitObserved: Bool = false
    ) -> TrackedTask {
        TrackedTask(
            id: "t1", action: action, registeredModel: "chirp-v4", status: status, submitTime: submit, startTime: start,
            firstSeen: registeredAt, firstReturned: returned ? registeredAt : nil, queueWaitObserved: queueWaitObserved)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var task: TrackedTask
        var observation: TaskObservation?
        var now: Double
        var outcome: TaskOutcome?
        var events: [TaskEvent]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "success uses gateway finish minus submit",
            task: task(
                status: "IN_PROGRESS", submit: 1_000_010, start: 1_000_020, returned: true, queueWaitObserved: true),
            observation: TaskObservation(
                taskID: "t1", status: "SUCCESS", progress: "100%", submitTime: 1_000_010, startTime: 1_000_020,
                finishTime: 1_000_130, modelName: "chirp-crow", hasStreamableClip: true),
            now: 1_000_200, outcome: .success,
            events: [.firstAudio(seconds: 190), .finished(outcome: .success, seconds: 120, reason: nil)]),
        Case(
            name: "failure classifies the reason",
            task: task(status: "QUEUED", submit: 1_000_010, returned: true),
            observation: TaskObservation(
                taskID: "t1", status: "FAILURE", progress: "100%", failReason: "time out", submitTime: 1_000_010,
                finishTime: 1_000_610),
            now: 1_000_700, outcome: .failure,
            events: [.finished(outcome: .failure, seconds: 600, reason: .upstreamTimeout)]),
        Case(
            name: "frozen failure ends at decision time",
            task: task(
                status: "IN_PROGRESS", submit: 1_000_010, start: 1_000_010, returned: true, queueWaitObserved: true),
            observation: TaskObservation(
                taskID: "t1", status: "IN_PROGRESS", progress: "100%", failReason: "Unable to generate audio",
                submitTime: 1_000_010, startTime: 1_000_010),
            now: 1_000_100, outcome: .failure,
            events: [.finished(outcome: .failure, seconds: 90, reason: .generationError)]),
        Case(
            name: "fail reason without 100% is not frozen",
            task: task(status: "QUEUED", submit: 1_000_010, returned: true),
            observation: TaskObservation(
                taskID: "t1", status: "QUEUED", progress: "0%", failReason: "hiccup", submitTime: 1_000_010),
            now: 1_000_100, outcome: nil, events: []),
        Case(
            name: "queue wait observed when first seen running, not before",
            task: task(status: "QUEUED", submit: 1_000_010, returned: true),
            observation: TaskObservation(
                taskID: "t1", status: "IN_PROGRESS", submitTime: 1_000_010, startTime: 1_000_025),
            now: 1_000_100, outcome: nil, events: [.queueWait(seconds: 15)]),
        Case(
            name: "start equal to submit at NOT_START is not a queue wait",
            task: task(),
            observation: TaskObservation(
                taskID: "t1", status: "NOT_START", submitTime: 1_000_010, startTime: 1_000_010),
            now: 1_000_100, outcome: nil, events: []),
        Case(
            name: "lyrics finish with zero queue wait",
            task: task(.lyrics),
            observation: TaskObservation(
                taskID: "t1", action: "LYRICS", status: "SUCCESS", progress: "100%", submitTime: 1_000_010,
                startTime: 1_000_010, finishTime: 1_000_010),
            now: 1_000_030, outcome: .success,
            events: [.queueWait(seconds: 0), .finished(outcome: .success, seconds: 0, reason: nil)]),
        Case(
            name: "unknown status stays non-terminal",
            task: task(status: "QUEUED", submit: 1_000_010, returned: true),
            observation: TaskObservation(taskID: "t1", status: "PAUSED_BY_GATEWAY", submitTime: 1_000_010),
            now: 1_000_100, outcome: nil, events: []),
        Case(
            name: "missing within grace keeps waiting",
            task: task(), observation: nil, now: registeredAt + 899, outcome: nil, events: []),
        Case(
            name: "never returned past grace expires from registration",
            task: task(), observation: nil, now: registeredAt + 900, outcome: .expired,
            events: [.finished(outcome: .expired, seconds: 900, reason: nil)]),
        Case(
            name: "returned once then missing does not use the grace",
            task: task(status: "QUEUED", submit: 1_000_010, returned: true), observation: nil,
            now: registeredAt + 5_000,
            outcome: nil, events: []),
        Case(
            name: "older than give-up expires",
            task: task(status: "QUEUED", submit: 1_000_000, returned: true),
            observation: TaskObservation(taskID: "t1", status: "QUEUED", submitTime: 1_000_000),
            now: 1_000_000 + 86_401, outcome: .expired,
            events: [.finished(outcome: .expired, seconds: 86_401, reason: nil)]),
    ]

    @Test(arguments: cases)
    func transition(_ c: Case) {
        let update = Lifecycle.apply(c.observation, to: c.task, now: c.now, policy: Self.policy)
        #expect(update.task.outcome == c.outcome)
        #expect(update.events == c.events)
        #expect(update.task.pollCount == c.task.pollCount + 1)
        #expect(update.task.lastPolled == c.now)
    }

    @Test func finishedTaskIsNeverFinishedAgain() {
        var done = Self.task(status: "SUCCESS", submit: 1_000_010, returned: true)
        done.outcome = .success
        let again = Lifecycle.apply(
            TaskObservation(
                taskID: "t1", status: "SUCCESS", progress: "100%", submitTime: 1_000_010, finishTime: 1_000_050),
            to: done, now: 1_000_100, policy: Self.policy)
        #expect(again.events.isEmpty)
        #expect(!again.isChanged)
    }

    @Test func unchangedPollOnlyMovesBookkeeping() {
        let observation = TaskObservation(taskID: "t1", status: "QUEUED", progress: "0%", submitTime: 1_000_010)
        let first = Lifecycle.apply(observation, to: Self.task(), now: 1_000_020, policy: Self.policy)
        #expect(first.isChanged)
        #expect(first.history?.status == "QUEUED")
        let second = Lifecycle.apply(observation, to: first.task, now: 1_000_035, policy: Self.policy)
        #expect(!second.isChanged)
        #expect(second.history == nil)
        #expect(second.task.pollCount == 2)
    }

    @Test func zeroTimestampNeverErasesAKnownOne() {
        let known = Self.task(
            status: "IN_PROGRESS", submit: 1_000_010, start: 1_000_020, returned: true, queueWaitObserved: true)
        let update = Lifecycle.apply(
            TaskObservation(taskID: "t1", status: "IN_PROGRESS", submitTime: 0, startTime: 0), to: known,
            now: 1_000_030,
            policy: Self.policy)
        #expect(update.task.submitTime == 1_000_010)
        #expect(update.task.startTime == 1_000_020)
    }

    @Test func stuckUsesThePerActionThreshold() {
        let music = Self.task(.music, status: "QUEUED", submit: 1_000_000, returned: true)
        let lyrics = Self.task(.lyrics, status: "NOT_START", submit: 1_000_000, returned: true)
        #expect(!Lifecycle.isStuck(music, now: 1_000_000 + 300, policy: Self.policy))
        #expect(Lifecycle.isStuck(lyrics, now: 1_000_000 + 300, policy: Self.policy))
        #expect(Lifecycle.isStuck(music, now: 1_000_000 + 601, policy: Self.policy))
    }

    @Test func modelResolutionPrefersClipThenRegistrationThenUnknown() {
        var task = Self.task()
        #expect(task.model == "chirp-v4")
        task.clipModel = "chirp-crow"
        #expect(task.model == "chirp-crow")
        task.clipModel = nil
        task.registeredModel = nil
        #expect(task.model == "unknown")
        task.registeredModel = "  chirp-\"x\\y\n  "
        #expect(task.model == "chirp-\"x\\y")
    }
}

/// Draws a task's id, timeline, ending and texts from its own seeded generator.
struct TaskPlanner: Sendable {
    var configuration: SimulatorConfiguration

    /// The plan of the `sequence`-th task, submitted at `submitInstant`.
    /// `isTaken` rejects ids already in use (a redraw keeps the result deterministic).
    func plan(
        sequence: Int, request: SubmitRequest, submitInstant: Double, isTaken: (String) -> Bool
    ) -> TaskPlan {
        var generator = SeededGenerator(seed: configuration.seed, stream: UInt64(sequence))
        var id = TaskIDs.draw(using: &generator)
        while isTaken(id) { id = TaskIDs.draw(using: &generator) }

        let profile = configuration.profile(action: request.action, model: request.resolvedModel)
        let scale = configuration.timeScale.sanitized()
        let milestones = drawMilestones(profile.timeline, scale: scale, submit: submitInstant, using: &generator)
        let startsAtSubmit = generator.chance(configuration.earlyStartShare)
        let ending = drawEnding(
            profile, action: request.action, milestones: milestones, scale: scale, using: &generator)
        let content = drawContent(using: &generator)
        return TaskPlan(
            sequence: sequence, id: id, request: request, milestones: milestones, startsAtSubmit: startsAtSubmit,
            ending: ending, content: content)
    }

    private func drawMilestones(
        _ timeline: PhaseTimeline, scale: Double, submit: Double, using generator: inout SeededGenerator
    ) -> Milestones {
        let submitted = submit + generator.draw(timeline.toSubmitted).sanitized() * scale
        let queued = submitted + generator.draw(timeline.toQueued).sanitized() * scale
        let inProgress = queued + generator.draw(timeline.toInProgress).sanitized() * scale
        let done = inProgress + generator.draw(timeline.toDone).sanitized() * scale
        return Milestones(submit: submit, submitted: submitted, queued: queued, inProgress: inProgress, done: done)
    }

    private func drawEnding(
        _ profile: ModelProfile, action: SimulatedAction, milestones m: Milestones, scale: Double,
        using generator: inout SeededGenerator
    ) -> Ending {
        // Every branch draws the same number of values, so a share change does not reshuffle the texts.
        let roll = generator.unit()
        let variant = generator.unit()
        let detail = generator.next()
        var threshold = profile.failureShare
        if roll < threshold {
            return .failure(failure(action: action, milestones: m, variant: variant, detail: detail))
        }
        threshold += profile.timeoutShare
        if roll < threshold {
            return .timeout(
                at: action == .lyrics ? m.done : m.submit + configuration.upstreamTimeout.sanitized() * scale)
        }
        threshold += profile.hangShare
        if roll < threshold {
            let stage: MusicStage =
                action == .lyrics || variant < 0.3 ? .notStart : variant < 0.5 ? .queued : .streaming
            let sweep = configuration.gatewaySweepAfter
            return .hang(
                stage: stage, sweepAt: sweep.map { m.submit + $0.sanitized() * scale },
                sweepMessage: "任务超时（\(Int((sweep ?? 0).sanitized() / 60))分钟）")
        }
        threshold += profile.frozenShare
        if roll < threshold {
            let reason = SampleContent.frozenReasons[Int(detail % UInt64(SampleContent.frozenReasons.count))]
            let at = action == .lyrics ? m.done : m.submit + variant * (m.done - m.submit)
            return .frozen(at: at, reason: reason)
        }
        return .success
    }

    private func failure(action: SimulatedAction, milestones m: Milestones, variant: Double, detail: UInt64)
        -> FailurePlan
    {
        let early = action == .lyrics || variant < 0.35
        let texts = early ? SampleContent.moderationErrors : SampleContent.generationErrors
        let text = texts[Int(detail % UInt64(texts.count))]
        if early {
            return FailurePlan(
                at: action == .lyrics ? m.done : m.queued, stageBefore: .submitted, layout: .bothError,
                errorType: text.type, message: text.message)
        }
        return FailurePlan(
            at: m.done, stageBefore: .streaming, layout: variant < 0.7 ? .completeThenError : .errorThenStreaming,
            errorType: text.type, message: text.message)
    }

    private func drawContent(using generator: inout SeededGenerator) -> GeneratedContent {
        let title = generator.pick(SampleContent.titles)
        let tags = generator.pick(SampleContent.tags)
        let lyrics = generator.pick(SampleContent.lyrics)
        let clipIDs = [TaskIDs.uuid(using: &generator), TaskIDs.uuid(using: &generator)]
        let durations = (0..<2).map { _ in Double(6_000 + Int(generator.next() % 18_000)) / 100 }
        return GeneratedContent(title: title, tags: tags, lyrics: lyrics, clipIDs: clipIDs, durations: durations)
    }
}

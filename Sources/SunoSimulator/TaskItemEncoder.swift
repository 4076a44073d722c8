/// Writes task items (`data[]` of a batch answer, `data` of a single fetch) in the gateway's field
/// names and order (samples/fetch-batch-*.json).
struct TaskItemEncoder: Sendable {
    var shape: ItemShape
    var clipExtraFields: Bool

    /// One task item.
    func item(_ plan: TaskPlan, _ snapshot: TaskSnapshot) -> JSONValue {
        var members: [(String, JSONValue)] = []
        if shape == .newAPI2026 {
            members += [
                ("id", .int(Int64(plan.sequence + 1))), ("created_at", .int(snapshot.submitTime)),
                ("updated_at", .int(max(snapshot.submitTime, snapshot.startTime, snapshot.finishTime))),
            ]
        }
        members.append(("task_id", .string(plan.id)))
        if shape == .cometAPI { members.append(("notify_hook", .string(plan.request.notifyHook))) }
        if shape == .newAPI2026 {
            members += [
                ("platform", .string("suno")), ("user_id", .int(1)), ("group", .string("default")),
                ("channel_id", .int(1)), ("quota", .int(0)),
            ]
        }
        members += [
            ("action", .string(plan.action.rawValue)),
            ("status", .string(snapshot.status)),
            ("fail_reason", .string(snapshot.failReason)),
            ("submit_time", .int(snapshot.submitTime)),
            ("start_time", .int(snapshot.startTime)),
            ("finish_time", .int(snapshot.finishTime)),
            ("progress", .string(snapshot.progress)),
        ]
        if shape == .newAPI2026 { members.append(("properties", .object([]))) }
        members.append(("data", data(plan, snapshot.payload)))
        return .object(members)
    }

    private func data(_ plan: TaskPlan, _ payload: TaskPayload) -> JSONValue {
        switch payload {
        case .none:
            return .null
        case .lyrics(let state):
            let complete = state == .complete
            return .object([
                ("id", .string(plan.id)),
                ("text", .string(complete ? plan.content.lyrics : "")),
                ("title", .string(complete ? plan.content.title : "")),
                ("status", .string(state.rawValue)),
            ])
        case .clips(let states):
            return .array(states.enumerated().map { index, state in clip(plan, index: index, state: state) })
        }
    }

    private func clip(_ plan: TaskPlan, index: Int, state: ClipState) -> JSONValue {
        let request = plan.request
        let content = plan.content
        let clipID = content.clipIDs[index % content.clipIDs.count]
        let model = plan.model ?? SubmitRequest.defaultMusicModel
        let hidden = state == .submitted || state == .queued
        let failure: FailurePlan? = if state == .error, case .failure(let plan) = plan.ending { plan } else { nil }
        let title = request.title.flatMap { $0.isEmpty ? nil : $0 } ?? (hidden ? "Untitled" : content.title)
        let tags = request.tags ?? (state == .submitted ? "" : content.tags)
        let prompt = request.prompt ?? (state == .complete && !request.makeInstrumental ? content.lyrics : "")
        let hasImage = state == .streaming || state == .complete

        var metadata: [(String, JSONValue)] = [
            ("tags", .string(tags)),
            ("prompt", .string(prompt)),
            ("duration", state == .complete ? .double(content.durations[index % content.durations.count]) : .null),
            ("error_type", .optional(failure?.errorType)),
            ("error_message", .optional(failure?.message)),
            ("audio_prompt_id", .null),
            ("gpt_description_prompt", .optional(request.gptDescriptionPrompt)),
        ]
        if clipExtraFields {
            metadata += [
                ("history", .null), ("concat_history", .null), ("type", .string("gen")),
                ("refund_credits", .bool(state == .error)), ("stream", .bool(true)),
            ]
        }
        var members: [(String, JSONValue)] = [
            ("id", .string(clipID)),
            ("title", .string(title)),
            ("status", .string(state.rawValue)),
            ("metadata", .object(metadata)),
            ("audio_url", .string(audioURL(clipID, state))),
            ("image_url", hasImage ? .string("https://cdn2.suno.ai/image_\(clipID).jpeg") : .null),
            ("video_url", .string(state == .complete ? "https://cdn1.suno.ai/\(clipID).mp4" : "")),
            ("model_name", .string(model)),
            ("image_large_url", hasImage ? .string("https://cdn2.suno.ai/image_large_\(clipID).jpeg") : .null),
            ("major_model_version", .string(SampleContent.majorVersion(of: model))),
        ]
        if clipExtraFields {
            members += [
                ("is_video_pending", .bool(state != .complete)), ("is_liked", .bool(false)),
                ("user_id", .string("00000000-0000-4000-8000-000000000001")), ("display_name", .string("Simulated")),
                ("handle", .string("simulated")), ("is_handle_updated", .bool(false)), ("is_trashed", .bool(false)),
                ("reaction", .null), ("created_at", .string(UTCDateText.iso8601(plan.milestones.submit))),
                ("play_count", .int(0)), ("upvote_count", .int(0)), ("is_public", .bool(false)),
            ]
        }
        return .object(members)
    }

    private func audioURL(_ clipID: String, _ state: ClipState) -> String {
        switch state {
        case .submitted, .queued, .error: ""
        case .streaming: "https://audiopipe.suno.ai/?item_id=\(clipID)"
        case .complete: "https://cdn1.suno.ai/\(clipID).mp3"
        }
    }
}

import SunoExporterCore
import SunoHTTP
import SunoStore
import SunoUpstream

extension TaskAPI {
    /// `POST /api/v1/tasks`: validates the whole body, then registers every id in one transaction.
    /// The 202 is sent only after the commit, so an acknowledged id survives a crash.
    func register(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let registrations = try RegistrationBody.parse(request.body)
        let result: RegistrationResult
        do {
            result = try store.register(registrations, source: "api", now: clock())
        } catch {
            throw .store(error)
        }
        if result.accepted > 0 { collector.watchListChanged() }
        return APIResponse.json(
            202,
            .object(
                JSONValue.members([
                    "accepted": .int(Int64(result.accepted)), "duplicates": .int(Int64(result.duplicates)),
                ])
                    + (result.otherShard > 0 ? JSONValue.members(["other_shard": .int(Int64(result.otherShard))]) : []))
        )
    }

    /// `GET /api/v1/tasks`: newest registration first; `next_offset` is null on the last page.
    func list(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        var filter = try TaskListQuery.parse(request)
        let pageSize = filter.limit
        // One row more than asked tells whether another page exists without a COUNT(*).
        filter.limit = pageSize + 1
        let tasks: [TrackedTask]
        do {
            tasks = try store.list(filter)
        } catch {
            throw .store(error)
        }
        let page = tasks.prefix(pageSize)
        let next: JSONValue = tasks.count > pageSize ? .int(Int64(filter.offset + pageSize)) : .null
        return APIResponse.json(200, .object(["tasks": .array(page.map(TaskJSON.task)), "next_offset": next]))
    }

    /// `GET /api/v1/tasks/{id}`: the task and its status history.
    func show(_ id: String) throws(APIError) -> HTTPResponse {
        do {
            guard let task = try store.task(id: id) else { throw APIError.notFound("no such task: \(id)") }
            return APIResponse.json(200, TaskJSON.detail(task, history: try store.history(id: id)))
        } catch let error as APIError {
            throw error
        } catch {
            throw .store(error)
        }
    }

    /// `DELETE /api/v1/tasks/{id}`: no longer polled, listed or shown; counters it fed stay.
    func forget(_ id: String) throws(APIError) -> HTTPResponse {
        let forgotten: Bool
        do {
            forgotten = try store.forget(id: id)
        } catch {
            throw .store(error)
        }
        guard forgotten else { throw .notFound("no such task: \(id)") }
        collector.watchListChanged()
        return APIResponse.noContent
    }

    /// `POST /api/v1/hooks/suno`: one gateway notify_hook callback, a bare task item or the
    /// `{"code", "data": item}` envelope. Applied like a poll result; an unknown id is registered
    /// (source `hook`). Polling goes on for the task, so a lost or out-of-order callback is corrected
    /// by the next cycle.
    func ingestHook(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let decoded = try HookBody.parse(request.body)
        let observation = gatewayKey?.redacting(decoded) ?? decoded
        let known: Bool
        do {
            known = try store.task(id: observation.taskID) != nil
            try collector.ingestHook(observation)
        } catch {
            throw .store(error)
        }
        collector.watchListChanged()
        logger.debug(
            "hook applied",
            metadata: [
                "task.id": "\(observation.taskID)", "task.status": "\(observation.status)", "registered": "\(!known)",
            ])
        return APIResponse.json(
            202,
            .object([
                "id": .string(observation.taskID), "status": .string(observation.status), "registered": .bool(!known),
            ]))
    }
}

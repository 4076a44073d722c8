import SunoExporterCore

/// The body of `POST /api/v1/hooks/suno`: one gateway notify_hook callback, a bare task item or the
/// `{"code", "data": item}` envelope, whose task id must be a valid id.
package enum HookBody {
    /// 400 when the body is empty or not JSON, 422 when it is JSON but not a task item with a usable id.
    package static func parse(_ body: [UInt8]) throws(APIError) -> TaskObservation {
        guard !body.isEmpty else { throw .badRequest("request body is empty; want a task item") }
        let observation: TaskObservation
        do {
            observation = try GatewayDecoder.decodeTaskItem(body)
        } catch {
            // Not JSON at all is 400; JSON that is not a task item is 422 (as for registrations).
            if (try? JSONValue.parse(body)) == nil {
                throw .badRequest("request body is not valid JSON")
            }
            throw .unprocessable("not a task item: \(error.description)")
        }
        do {
            try TaskInput.validateID(observation.taskID)
        } catch {
            throw .unprocessable("task_id: \(error.description)")
        }
        return observation
    }
}

/// A failure the fake gateway (or the edge in front of it) answers with instead of the real answer.
public enum SimulatorFault: Sendable, Equatable {
    case none
    /// 429 with an empty body and no `Retry-After`, as new-api's in-memory rate limiter answers.
    case rateLimitEmptyBody
    /// This status with a task envelope (`get_tasks_failed`, `fail_to_fetch_task`, …).
    case serverError(Int)
    /// The real answer, after sleeping this many (unscaled) seconds in the handler.
    case slow(seconds: Double)
    /// Status 200, `application/json`, and a truncated body.
    case malformedJSON
    /// 502 with an HTML page from the edge proxy.
    case htmlErrorPage
    /// 401 with the OpenAI envelope, whatever key was sent.
    case unauthorized
}

/// The fault to inject and how many more requests it applies to (nil: until changed).
struct FaultSchedule: Sendable {
    private var fault: SimulatorFault = .none
    private var remaining: Int?

    mutating func set(_ fault: SimulatorFault, count: Int?) {
        self.fault = fault
        remaining = count.map { max(0, $0) }
    }

    /// The fault for the request arriving now; consumes one from the count.
    mutating func take() -> SimulatorFault {
        guard fault != .none else { return .none }
        guard let left = remaining else { return fault }
        guard left > 0 else {
            fault = .none
            return .none
        }
        let current = fault
        remaining = left - 1
        if left == 1 { fault = .none }
        return current
    }
}

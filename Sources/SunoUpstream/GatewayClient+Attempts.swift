import Foundation
import Logging
import SunoExporterCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A complete HTTP answer, reduced to what the client reads.
struct GatewayAnswer: Sendable {
    var status: Int
    var body: [UInt8]
    var retryAfter: String?
    var date: String?

    var isSuccess: Bool { (200...299).contains(status) }
}

/// How one attempt ended.
enum AttemptOutcome: Sendable {
    case answer(GatewayAnswer)
    case timeout
    /// The `URLError` code name.
    case transport(String)
    case cancelled
}

/// What an endpoint makes of an answer.
enum AnswerVerdict<Value> {
    /// A usable answer.
    case value(Value)
    /// A 2xx whose body is not a valid answer: reported as "decode", never retried.
    case undecodable(String)
    /// An error status: the retry policy decides.
    case failed
}

extension GatewayClient {
    /// Runs attempts until one gives a value, a final error, or the task is cancelled.
    func call<Value>(
        endpoint: String, request: URLRequest, metadata: Logger.Metadata,
        interpret: (GatewayAnswer) -> AnswerVerdict<Value>
    ) async throws(UpstreamError) -> Value {
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw .cancelled }
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = await perform(request)
            let seconds = (clock.now - started).timeInterval
            var logMetadata = metadata
            logMetadata["upstream.endpoint"] = "\(endpoint)"
            logMetadata["upstream.attempt"] = "\(attempt)"
            logMetadata["upstream.seconds"] = "\(seconds)"

            let failure: UpstreamError
            var retryAfter: Duration?
            switch outcome {
            case .cancelled where Task.isCancelled:
                throw .cancelled
            case .cancelled:
                // URLSession cancelled the request by itself (its session was invalidated).
                failure = .transport(URLError.Code.cancelled.name)
                report(endpoint: endpoint, code: "transport", seconds: seconds)
            case .timeout:
                failure = .timeout
                report(endpoint: endpoint, code: "timeout", seconds: seconds)
            case .transport(let name):
                failure = .transport(name)
                report(endpoint: endpoint, code: "transport", seconds: seconds)
            case .answer(let answer):
                logMetadata["upstream.status"] = "\(answer.status)"
                switch interpret(answer) {
                case .value(let value):
                    report(endpoint: endpoint, code: "\(answer.status)", seconds: seconds)
                    logger.debug("upstream call succeeded", metadata: logMetadata)
                    return value
                case .undecodable(let reason):
                    report(endpoint: endpoint, code: "decode", seconds: seconds)
                    let error = UpstreamError.decoding(redacted(reason))
                    logMetadata["upstream.error"] = "\(error)"
                    logger.info("upstream answer not understood", metadata: logMetadata)
                    throw error
                case .failed:
                    report(endpoint: endpoint, code: "\(answer.status)", seconds: seconds)
                    failure = .http(
                        status: answer.status, message: GatewayDecoder.errorMessage(answer.body).map(redacted))
                    if RetryPolicy.isRetryable(status: answer.status) {
                        retryAfter = answer.retryAfter.flatMap { value in
                            RetryAfter.parse(value, now: answer.date.flatMap(HTTPDate.parse) ?? Date())
                        }
                    }
                }
            }

            logMetadata["upstream.error"] = "\(failure)"
            if Task.isCancelled { throw .cancelled }
            guard failure.isRetryable, policy.allowsAnotherAttempt(after: attempt) else {
                logger.info("upstream call failed", metadata: logMetadata)
                throw failure
            }
            let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, unit: Double.random(in: 0...1))
            logMetadata["upstream.retry_in_seconds"] = "\(delay.timeInterval)"
            logger.info("upstream call failed, retrying", metadata: logMetadata)
            do {
                try await sleep(delay)
            } catch {
                throw .cancelled
            }
        }
    }

    /// One attempt, bounded by the request timeout on a deadline of its own: URLSession on Linux
    /// counts timeouts in whole seconds and restarts them whenever bytes arrive, so a trickling
    /// gateway could otherwise hold an attempt for much longer.
    ///
    /// The deadline is a Dispatch timer on a queue of its own, not a sleeping Swift task: a task
    /// needs a thread of the cooperative pool (as many threads as cores), and when that pool is
    /// busy the deadline fires late, so a slow answer could beat it (seen on a loaded 2-core CI
    /// machine). A cancelled timer also frees its closure at once.
    ///
    /// The attempt ends at the first of: the answer, the deadline, or cancellation of the calling
    /// task. The loser is cancelled and never awaited: on Linux a cancelled `data(for:)` can stay
    /// suspended until the server answers (seen with a gateway that sleeps), which would hold the
    /// whole cycle.
    private func perform(_ request: URLRequest) async -> AttemptOutcome {
        let session = self.session
        let timeout = configuration.requestTimeout
        let race = AttemptRace()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<AttemptOutcome, Never>) in
                guard race.begin(continuation) else { return }
                let task = session.dataTask(with: request) { data, response, error in
                    race.finish(Self.outcome(data: data, response: response, error: error))
                }
                let deadline = AttemptDeadline(after: timeout) { race.finish(.timeout) }
                race.attach(task: task, deadline: deadline)
                task.resume()
            }
        } onCancel: {
            race.finish(.cancelled)
        }
    }

    private static func outcome(data: Data?, response: URLResponse?, error: (any Error)?) -> AttemptOutcome {
        if let error {
            guard let urlError = error as? URLError else { return .transport("other") }
            switch urlError.code {
            case .cancelled: return .cancelled
            case .timedOut: return .timeout
            default: return .transport(urlError.code.name)
            }
        }
        guard let http = response as? HTTPURLResponse else {
            return .transport(URLError.Code.badServerResponse.name)
        }
        return .answer(
            GatewayAnswer(
                status: http.statusCode, body: [UInt8](data ?? Data()),
                retryAfter: http.value(forHTTPHeaderField: "Retry-After"),
                date: http.value(forHTTPHeaderField: "Date")))
    }

    private func report(endpoint: String, code: String, seconds: Double) {
        onCall(UpstreamCall(endpoint: endpoint, code: code, seconds: seconds))
    }

    /// Gateway text made safe for errors and logs: the key and any fragment of it redacted, one
    /// line, at most 200 characters.
    func redacted(_ text: String) -> String {
        var line = String(text.prefix(1_000))
        if let key = configuration.apiKey { line = key.redacting(line) }
        line = line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}

extension UpstreamError {
    /// Whether the same call may succeed if tried again: 429, 5xx, timeouts and broken connections.
    var isRetryable: Bool {
        switch self {
        case .http(let status, _): RetryPolicy.isRetryable(status: status)
        case .timeout, .transport: true
        case .decoding, .cancelled: false
        }
    }
}

/// The first-past-the-post between an answer, a deadline and cancellation, for one attempt.
/// Whoever finishes first resumes the continuation and cancels the others.
private final class AttemptRace: Sendable {
    private struct State {
        var continuation: CheckedContinuation<AttemptOutcome, Never>?
        var task: URLSessionDataTask?
        var deadline: AttemptDeadline?
        var early: AttemptOutcome?
        var done = false
    }

    private let state = Mutex(State())

    /// False when the race already ended (cancelled before it began): the continuation is resumed.
    func begin(_ continuation: CheckedContinuation<AttemptOutcome, Never>) -> Bool {
        let early: AttemptOutcome? = state.withLock { state in
            if let early = state.early {
                state.done = true
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early {
            continuation.resume(returning: early)
            return false
        }
        return true
    }

    func attach(task: URLSessionDataTask, deadline: AttemptDeadline) {
        let finished = state.withLock { state in
            guard !state.done else { return true }
            state.task = task
            state.deadline = deadline
            return false
        }
        if finished {
            task.cancel()
            deadline.cancel()
        }
    }

    func finish(_ outcome: AttemptOutcome) {
        let (continuation, task, deadline) = state.withLock {
            state -> (CheckedContinuation<AttemptOutcome, Never>?, URLSessionDataTask?, AttemptDeadline?) in
            guard !state.done else { return (nil, nil, nil) }
            guard let continuation = state.continuation else {
                state.early = outcome
                return (nil, nil, nil)
            }
            state.done = true
            state.continuation = nil
            // Handing the task and the timer out breaks the race ↔ timer cycle.
            defer {
                state.task = nil
                state.deadline = nil
            }
            return (continuation, state.task, state.deadline)
        }
        guard let continuation else { return }
        if case .answer = outcome {} else { task?.cancel() }
        deadline?.cancel()
        continuation.resume(returning: outcome)
    }
}

/// A one-shot Dispatch timer that ends an attempt. Dispatch sources are thread-safe, which the
/// compiler cannot see: hence `@unchecked Sendable` on a type that only schedules and cancels.
private final class AttemptDeadline: @unchecked Sendable {
    /// Where deadlines fire: a serial queue of its own (overcommitting, so it always gets a thread).
    private static let queue = DispatchQueue(label: "suno-exporter.gateway-deadlines")

    private let timer: any DispatchSourceTimer

    init(after timeout: Duration, fire: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: Self.queue)
        timer.schedule(deadline: .now() + timeout.timeInterval, leeway: .milliseconds(5))
        timer.setEventHandler(handler: fire)
        // Activated at once: Dispatch must never release an inactive source.
        timer.resume()
    }

    /// Stops the timer and frees its handler; harmless when it already fired.
    func cancel() { timer.cancel() }
}

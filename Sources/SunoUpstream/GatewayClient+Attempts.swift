import Foundation
import Logging
import SunoExporterCore

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
    /// A short name of what broke (`CurlCodeName`).
    case transport(String)
    /// The answer (its decoded size) passed the limit and was cut off.
    case tooLarge(limit: Int)
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
        endpoint: String, request: HTTPExchange, metadata: Logger.Metadata,
        interpret: (GatewayAnswer) -> AnswerVerdict<Value>
    ) async throws(UpstreamError) -> Value {
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw .cancelled }
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = await transport.perform(request, timeout: configuration.requestTimeout)
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
                // The transfer stopped without this task being cancelled.
                failure = .transport("cancelled")
                report(endpoint: endpoint, code: "transport", seconds: seconds)
            case .timeout:
                failure = .timeout
                report(endpoint: endpoint, code: "timeout", seconds: seconds)
            case .transport(let name):
                failure = .transport(name)
                report(endpoint: endpoint, code: "transport", seconds: seconds)
            case .tooLarge(let limit):
                failure = .tooLarge(limit: limit)
                report(endpoint: endpoint, code: UpstreamCall.tooLargeCode, seconds: seconds)
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
        // The same request would most likely get the same answer again: a bomb is not fetched four times.
        case .tooLarge, .decoding, .cancelled: false
        }
    }
}

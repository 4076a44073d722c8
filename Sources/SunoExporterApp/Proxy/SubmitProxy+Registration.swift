import SunoExporterCore
import SunoHTTP
import SunoStore
import SunoUpstream

extension SubmitProxy {
    /// Registers the task a 2xx submit answer created (source `proxy`, the action from the path, the
    /// model from the request's `mv`), before the client gets the answer. A gateway error in a 2xx
    /// envelope registers nothing. Any other failure (an answer that is not a submit answer, an id the
    /// watch list cannot hold, a store error) is counted and logged at warning level with the id, so
    /// it can be added by hand; the client gets the gateway's answer either way.
    func registerSubmitted(_ answer: PassThroughAnswer, action: TaskAction, request: HTTPRequest) {
        let outcome: SubmitAnswer
        do throws(GatewayDecodingError) {
            outcome = try SubmitAnswer.decode(answer.body)
        } catch {
            // The reason quotes a few bytes of the answer; the client's key is cut out of them all the same.
            registrationFailed(
                id: nil, action: action,
                reason: ClientKeyRedaction.redact(
                    error.description,
                    authorization: request.headers.compactMap { $0.name == "authorization" ? $0.value : nil }))
            return
        }
        guard case .accepted(let id) = outcome else { return }
        let model = SubmitRequestFields.model(request.body).flatMap(Self.usableModel)
        do {
            try TaskInput.validateID(id)
            let result = try store.register(
                [Registration(id: id, action: action, model: model)], source: "proxy", now: clock())
            if result.accepted > 0 { collector?.watchListChanged() }
            logger.debug(
                "proxied submit registered",
                metadata: ["task.id": "\(id)", "task.action": "\(action.rawValue)", "task.model": "\(model ?? "")"])
        } catch {
            registrationFailed(id: id, action: action, reason: "\(error)")
        }
    }

    private func registrationFailed(id: String?, action: TaskAction, reason: String) {
        recorder.recordRegistrationFailure()
        logger.warning(
            "proxied submit succeeded but its task id was not registered; add it by hand",
            metadata: [
                "task.id": "\(id.map(Self.printable) ?? "(unreadable answer)")", "task.action": "\(action.rawValue)",
                "error": "\(reason)",
            ])
    }

    /// A `mv` worth keeping as the registered model: not empty, not longer than a model label, no
    /// control characters. Anything else registers the task without a model rather than not at all.
    static func usableModel(_ mv: String) -> String? {
        guard !mv.isEmpty, mv.count <= ModelName.maxLength,
            !mv.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return mv
    }

    /// An id as a log value: control characters escaped, at most 200 characters.
    static func printable(_ id: String) -> String {
        var out = ""
        for scalar in id.unicodeScalars.prefix(200) {
            if scalar.properties.generalCategory == .control {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

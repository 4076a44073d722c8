import SunoExporterCore

extension APIKey {
    /// `observation` with the key, and any run of 6 or more of its characters, redacted from every text
    /// the gateway wrote (status, progress, fail reason, action, model). A gateway that echoes the key
    /// into a task (an upstream error quoted into `fail_reason`, say) would otherwise have it stored,
    /// listed by the open read API, shown on the landing page and counted under a label. The id is left
    /// alone: it is the one the exporter asked for.
    public func redacting(_ observation: TaskObservation) -> TaskObservation {
        guard !isEmpty else { return observation }
        var redacted = observation
        redacted.status = redactingLong(observation.status)
        redacted.progress = redactingLong(observation.progress)
        redacted.failReason = redactingLong(observation.failReason)
        redacted.action = redactingLong(observation.action)
        redacted.modelName = observation.modelName.map(redactingLong)
        return redacted
    }

    /// Texts shorter than the shortest leak are returned as they are, without the scan.
    private func redactingLong(_ text: String) -> String {
        text.utf8.count < Self.leakRun ? text : redacting(text)
    }
}

extension GatewayClient {
    /// The observations as the rest of the exporter may keep them: without the client's key.
    func withoutKey(_ observations: [TaskObservation]) -> [TaskObservation] {
        guard let key = configuration.apiKey, !key.isEmpty else { return observations }
        return observations.map(key.redacting)
    }
}

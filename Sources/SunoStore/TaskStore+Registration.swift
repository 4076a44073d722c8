import SunoExporterCore

extension TaskStore {
    /// Adds ids in one transaction; ids already known count as duplicates. Returns only after the
    /// commit, so an acknowledged registration survives a crash. `source` is a `RegistrationSource`
    /// raw value (kept as given in the row; counters use the bounded label).
    @discardableResult
    public func register(_ registrations: [Registration], source: String, now: Double) throws -> RegistrationResult {
        try write(.register) { db in
            try db.transaction {
                let insert = try db.statement(
                    """
                    INSERT INTO tasks (id, action, registered_model, model, labels, status, first_seen, source)
                    VALUES (?1, ?2, ?3, ?4, ?5, 'NOT_START', ?6, ?7) ON CONFLICT(id) DO NOTHING
                    """)
                var accepted = 0
                let owned = registrations.filter { owns($0.id) }
                for registration in owned {
                    insert.bind(1, registration.id).bind(2, registration.action.rawValue)
                        .bind(3, registration.model).bind(4, ModelName.normalise(registration.model))
                        .bind(5, LabelsCodec.encode(registration.labels)).bind(6, now).bind(7, source)
                    try insert.run()
                    accepted += db.changes
                }
                var deltas = AggregateDeltas()
                deltas.recordRegistration(source: source, count: accepted)
                try Self.addDeltas(deltas, db)
                return RegistrationResult(
                    accepted: accepted, duplicates: owned.count - accepted,
                    otherShard: registrations.count - owned.count)
            }
        }
    }

    /// `register` on the writer's thread, for callers on Swift's cooperative pool.
    @discardableResult
    public func registerInBackground(_ registrations: [Registration], source: String, now: Double) async throws
        -> RegistrationResult
    {
        try await onWriterThread { try self.register(registrations, source: source, now: now) }
    }
}

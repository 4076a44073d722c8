import SunoExporterCore
import SunoHTTP
import SunoStore

/// The query of `GET /api/v1/tasks?status=&action=&model=&limit=&offset=`.
///
/// An empty value means "no filter". `status` is a gateway status (`IN_PROGRESS`), an outcome
/// (`success`, `failure`, `expired`), `active` or `finished`, any case; anything else is 400 so a
/// typo does not silently list nothing. `limit` is 1…1000 (default 100), `offset` 0…2³¹−1.
enum TaskListQuery {
    static let defaultLimit = 100
    static let maxLimit = 1000
    /// Far beyond any watch list; keeps `offset + limit` from overflowing.
    static let maxOffset = Int(Int32.max)

    static func parse(_ request: HTTPRequest) throws(APIError) -> TaskFilter {
        var filter = TaskFilter(limit: defaultLimit, offset: 0)
        if let status = value("status", request) {
            guard let parsed = TaskFilter.Status(parsing: status) else {
                throw .badRequest("unknown status \"\(status)\"; want one of \(TaskFilter.Status.accepted)")
            }
            filter.status = parsed
        }
        if let action = value("action", request) {
            guard let parsed = TaskAction(parsing: action) else {
                throw .badRequest("unknown action \"\(action)\"; want MUSIC or LYRICS")
            }
            filter.action = parsed
        }
        filter.model = value("model", request)
        if let limit = value("limit", request) {
            guard let parsed = Int(limit), (1...maxLimit).contains(parsed) else {
                throw .badRequest("limit must be an integer from 1 to \(maxLimit) (got \"\(limit)\")")
            }
            filter.limit = parsed
        }
        if let offset = value("offset", request) {
            guard let parsed = Int(offset), (0...maxOffset).contains(parsed) else {
                throw .badRequest("offset must be an integer from 0 to \(maxOffset) (got \"\(offset)\")")
            }
            filter.offset = parsed
        }
        return filter
    }

    private static func value(_ name: String, _ request: HTTPRequest) -> String? {
        guard let text = request.queryValue(name), !text.isEmpty else { return nil }
        return text
    }
}

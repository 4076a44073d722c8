/// The resources under `/api/v1`, and the methods each accepts.
enum APIRoute: Equatable {
    /// `/api/v1/tasks`: list (GET) and register (POST).
    case tasks
    /// `/api/v1/tasks/{id}`: show (GET) and forget (DELETE).
    case task(id: String)
    /// `/api/v1/hooks/suno`: the gateway's notify_hook callbacks (POST).
    case sunoHook

    static let tasksPath = "/api/v1/tasks"
    static let hookPath = "/api/v1/hooks/suno"

    /// The route of a request path, or nil (404).
    ///
    /// libmicrohttpd has already percent-decoded the path (`%2F` arrives as `/`, `%25` as `%`), so
    /// everything after `/api/v1/tasks/` is the id as is, slashes included. Decoding it again would
    /// turn an id that contains `%41` into a different id.
    init?(path: String) {
        if path == Self.tasksPath {
            self = .tasks
        } else if path == Self.hookPath {
            self = .sunoHook
        } else if path.hasPrefix(Self.tasksPath + "/") {
            let id = String(path.dropFirst(Self.tasksPath.count + 1))
            guard !id.isEmpty else { return nil }
            self = .task(id: id)
        } else {
            return nil
        }
    }

    var allowedMethods: [String] {
        switch self {
        case .tasks: ["GET", "HEAD", "POST"]
        case .task: ["GET", "HEAD", "DELETE"]
        case .sunoHook: ["POST"]
        }
    }

    static func isWrite(_ method: String) -> Bool {
        method != "GET" && method != "HEAD"
    }
}

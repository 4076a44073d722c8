/// The gateway routes the simulator serves (COMETAPI.md §2).
enum Route: Sendable, Equatable {
    case fetchBatch
    case fetchOne(id: String)
    case submit(SimulatedAction)
    /// `/suno/submit/<anything else>`: a matched route that rejects the action.
    case submitOther
    /// `GET /user/quota` (the quota service, on the same server for simplicity).
    case quota
    case notFound

    /// Matches a method and a path. libmicrohttpd has already percent-decoded the path, so it is not decoded again.
    init(method: String, path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let parts = Array(segments)
        switch (method.uppercased(), parts.count) {
        case ("POST", 2) where parts[0] == "suno" && parts[1] == "fetch":
            self = .fetchBatch
        case ("GET", 3) where parts[0] == "suno" && parts[1] == "fetch" && !parts[2].isEmpty:
            self = .fetchOne(id: String(parts[2]))
        case ("POST", 3) where parts[0] == "suno" && parts[1] == "submit" && !parts[2].isEmpty:
            self = SimulatedAction(parsing: String(parts[2])).map(Route.submit) ?? .submitOther
        case ("GET", 2) where parts[0] == "user" && parts[1] == "quota",
            ("GET", 3) where parts[0] == "user" && parts[1] == "quota" && parts[2].isEmpty:
            self = .quota
        default:
            self = .notFound
        }
    }

    /// The statistics bucket of this route.
    var endpoint: SimulatorEndpoint {
        switch self {
        case .fetchBatch: .fetchBatch
        case .fetchOne: .fetchOne
        case .submit(.music): .submitMusic
        case .submit(.lyrics): .submitLyrics
        case .submitOther: .submitOther
        case .quota: .quota
        case .notFound: .other
        }
    }
}

import SunoExporterCore

/// The gateway routes the submit proxy forwards (COMETAPI.md §2), matched on the path that
/// libmicrohttpd already percent-decoded.
enum ProxyRoute: Sendable, Equatable {
    /// `POST /suno/submit/{action}`: music, lyrics, and any other action the gateway has.
    case submit(action: String)
    /// `POST /suno/fetch`.
    case fetch
    /// `GET /suno/fetch/{id}`.
    case fetchOne(id: String)

    /// nil for any other path (the router answers 404).
    ///
    /// As for the task API, everything after `/suno/fetch/` is the id, slashes included: a client's
    /// `%2F` arrives decoded, and is encoded again on the way to the gateway.
    init?(path: String) {
        if path == "/suno/fetch" {
            self = .fetch
        } else if path.hasPrefix("/suno/fetch/"), path.count > "/suno/fetch/".count {
            self = .fetchOne(id: String(path.dropFirst("/suno/fetch/".count)))
        } else if path.hasPrefix("/suno/submit/") {
            let action = path.dropFirst("/suno/submit/".count)
            guard !action.isEmpty, !action.contains("/") else { return nil }
            self = .submit(action: String(action))
        } else {
            return nil
        }
    }

    var method: String {
        if case .fetchOne = self { return "GET" }
        return "POST"
    }

    /// The task type a successful answer creates, for the actions whose ids the batch fetch serves
    /// (new-api knows only MUSIC and LYRICS); nil for other submits and for fetches.
    var registeredAction: TaskAction? {
        guard case .submit(let action) = self, let parsed = TaskAction(parsing: action) else { return nil }
        return parsed
    }

    var endpoint: ProxyMetrics.Endpoint {
        switch self {
        case .fetch: .fetch
        case .fetchOne: .fetchOne
        case .submit:
            switch registeredAction {
            case .music: .submitMusic
            case .lyrics: .submitLyrics
            case nil: .submitOther
            }
        }
    }

    /// The path to ask the gateway for, each segment percent-encoded again.
    var upstreamPath: String {
        switch self {
        case .fetch: "/suno/fetch"
        case .fetchOne(let id): "/suno/fetch/" + PercentEncoding.unreserved(id)
        case .submit(let action): "/suno/submit/" + PercentEncoding.unreserved(action)
        }
    }

    /// Whether the client's `Accept-Encoding` goes to the gateway. Fetch answers can be large and
    /// pass through compressed; submit answers must stay readable, since the proxy reads the task id.
    var forwardsAcceptEncoding: Bool {
        if case .submit = self { return false }
        return true
    }
}

/// RFC 3986 percent-encoding that keeps only unreserved characters literal.
enum PercentEncoding {
    static func unreserved(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// `name=value&…`, both sides encoded; "" for no arguments.
    static func query(_ arguments: [(name: String, value: String)]) -> String {
        arguments.map { unreserved($0.name) + "=" + unreserved($0.value) }.joined(separator: "&")
    }
}

/// Which headers cross the proxy, each way.
///
/// To the gateway: an allow-list. `Authorization` goes exactly as the client sent it (and only if it
/// sent one: the exporter never adds its own key, or anyone who can reach the proxy could spend the
/// account). Headers libcurl would add by itself are removed when the client did not send them, so
/// the gateway sees the client's request, not libcurl's.
///
/// To the client: every header of the gateway's answer except the hop-by-hop ones and those
/// libmicrohttpd writes itself (`Content-Length`, `Date`).
enum ProxyHeaders {
    static let forwarded: Set<String> = ["authorization", "content-type", "accept", "accept-language", "user-agent"]
    static let notReturned: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "content-length", "date",
    ]

    /// Header lines for libcurl, from the client's headers (names already lower-cased by the server).
    static func upstream(_ headers: [(name: String, value: String)], route: ProxyRoute) -> [String] {
        var lines: [String] = []
        var sent = Set<String>()
        for (name, value) in headers {
            let allowed = forwarded.contains(name) || (name == "accept-encoding" && route.forwardsAcceptEncoding)
            guard allowed, isSafe(value) else { continue }
            lines.append("\(name): \(value)")
            sent.insert(name)
        }
        // A name with nothing after the colon tells libcurl not to send its own.
        if !sent.contains("accept") { lines.append("Accept:") }
        if route.method == "POST", !sent.contains("content-type") { lines.append("Content-Type:") }
        lines.append("Expect:")
        return lines
    }

    /// The gateway's answer headers to hand back to the client.
    static func downstream(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { header in
            !notReturned.contains(header.name.lowercased()) && isSafe(header.value) && isToken(header.name)
        }
    }

    /// No control character but tab: a value can never end a header line early.
    private static func isSafe(_ value: String) -> Bool {
        !value.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }
    }

    /// An RFC 9110 token: what a header name may be.
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F
                    && !"\"(),/:;<=>?@[\\]{}".unicodeScalars.contains(scalar)
            }
    }
}

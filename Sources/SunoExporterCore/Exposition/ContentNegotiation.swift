/// The exposition formats `/metrics` can serve.
public enum ExpositionFormat: Sendable, Equatable, CaseIterable {
    /// Prometheus text format 0.0.4: the default and the fallback.
    case text
    /// OpenMetrics 1.0.0 text format.
    case openMetrics

    public var contentType: String {
        switch self {
        case .text: TextFormat.contentType
        case .openMetrics: OpenMetricsFormat.contentType
        }
    }
}

/// The content codings `/metrics` can apply.
public enum ContentCoding: Sendable, Equatable, CaseIterable {
    case identity
    case gzip
}

/// HTTP proactive negotiation for `/metrics` (RFC 9110 §12.5), reduced to the two questions the
/// endpoint has: which format, and gzip or not. Both answers always exist: when nothing offered is
/// acceptable, the endpoint serves text without compression rather than 406, as Prometheus'
/// own client libraries do.
///
/// Format rule. Each format's quality is the q of the most specific media range that matches it
/// (`application/openmetrics-text;version=1.0.0` > `application/openmetrics-text` > `application/*` > `*/*`).
/// A range with a `version` parameter matches only a version we serve: OpenMetrics `1.0.0`, text `0.0.4`;
/// so `version=0.0.1` (an OpenMetrics draft) or `version=2.0.0` is ignored. Other parameters (`charset`,
/// `escaping`) do not affect matching. OpenMetrics is chosen when its q is above zero and
/// - higher than the text format's q, or
/// - equal to it (the tie rule) and the client named OpenMetrics more specifically than text
///   (`application/openmetrics-text, */*`), or just as specifically but earlier in the header
///   (`application/openmetrics-text, text/plain`).
/// So `*/*` alone, `text/*`, a browser's Accept, or no header at all give text; Prometheus'
/// `application/openmetrics-text;version=1.0.0,…,text/plain;version=0.0.4;q=0.5,*/*;q=0.1` gives OpenMetrics.
///
/// Coding rule. gzip's quality is that of `gzip` (or `x-gzip`), else of `*`, else 0; identity's is that of
/// `identity`, else of `*`; when neither names it, identity is acceptable but ranks below any listed coding.
/// gzip is chosen when its q is above zero and at least identity's (a tie goes to gzip: the client listed
/// it, and it is smaller), so `gzip;q=0.5` alone gives gzip and `gzip;q=0.5, identity` gives identity.
/// No header means identity; `identity;q=0` with gzip unacceptable still gets identity (never 406).
public enum ContentNegotiation {
    /// The format to serve for the given `Accept` header value (repeated headers joined by commas).
    public static func format(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text }
        let ranges = MediaRange.parseList(accept)
        guard
            let openMetrics = bestMatch(in: ranges, type: "application", subtype: "openmetrics-text", version: "1.0.0"),
            openMetrics.q > 0
        else { return .text }
        guard let text = bestMatch(in: ranges, type: "text", subtype: "plain", version: "0.0.4") else {
            return .openMetrics
        }
        if openMetrics.q != text.q { return openMetrics.q > text.q ? .openMetrics : .text }
        // Tie: the more specific naming wins, then the earlier one; the same range (`*/*`) means text.
        let omRank = openMetrics.specificity.coarse
        let textRank = text.specificity.coarse
        if omRank != textRank { return omRank > textRank ? .openMetrics : .text }
        return openMetrics.position < text.position ? .openMetrics : .text
    }

    /// The coding to apply for the given `Accept-Encoding` header value (repeated headers joined by commas).
    public static func coding(acceptEncoding: String?) -> ContentCoding {
        guard let acceptEncoding else { return .identity }
        var gzipQ: Double?
        var identityQ: Double?
        var anyQ: Double?
        for element in splitList(acceptEncoding) {
            let parts = splitParameters(element)
            guard let coding = parts.first?.lowercased(), !coding.isEmpty else { continue }
            guard let q = quality(in: parts.dropFirst()) else { continue }
            switch coding {
            case "gzip", "x-gzip": gzipQ = max(gzipQ ?? 0, q)
            case "identity": identityQ = max(identityQ ?? 0, q)
            case "*": anyQ = max(anyQ ?? 0, q)
            default: continue
            }
        }
        let gzip = gzipQ ?? anyQ ?? 0
        guard gzip > 0 else { return .identity }
        // Identity not mentioned (and no `*`) is acceptable but not preferred over a listed coding.
        guard let identity = identityQ ?? anyQ else { return .gzip }
        return gzip >= identity ? .gzip : .identity
    }

    // MARK: - Media ranges

    /// How precisely a range names a representation; higher wins.
    struct Specificity: Comparable {
        /// 0 `*/*`, 1 `type/*`, 2 `type/subtype`.
        var coarse: Int
        /// The range also pins the version.
        var versioned: Bool

        static func < (a: Specificity, b: Specificity) -> Bool {
            a.coarse != b.coarse ? a.coarse < b.coarse : (!a.versioned && b.versioned)
        }
    }

    struct Match {
        var q: Double
        var specificity: Specificity
        /// Index of the range in the header, for the tie rule.
        var position: Int
    }

    static func bestMatch(in ranges: [MediaRange], type: String, subtype: String, version: String) -> Match? {
        var best: Match?
        for (position, range) in ranges.enumerated() {
            guard let specificity = range.matches(type: type, subtype: subtype, version: version) else { continue }
            // RFC 9110: the most specific range that matches gives the quality. Among equally specific
            // ones (a client repeating itself) the first is kept.
            if let current = best, current.specificity >= specificity { continue }
            best = Match(q: range.q, specificity: specificity, position: position)
        }
        return best
    }

    struct MediaRange {
        var type: String
        var subtype: String
        var version: String?
        var q: Double

        func matches(type wantedType: String, subtype wantedSubtype: String, version wantedVersion: String)
            -> Specificity?
        {
            if type == "*" {
                // `*/subtype` is not a valid range; only `*/*` matches anything.
                return subtype == "*" ? Specificity(coarse: 0, versioned: false) : nil
            }
            guard type == wantedType else { return nil }
            if subtype == "*" { return Specificity(coarse: 1, versioned: false) }
            guard subtype == wantedSubtype else { return nil }
            guard let version else { return Specificity(coarse: 2, versioned: false) }
            return version == wantedVersion ? Specificity(coarse: 2, versioned: true) : nil
        }

        /// Parses `type/subtype;param=value;q=0.5, …`; malformed elements are skipped.
        static func parseList(_ header: String) -> [MediaRange] {
            var ranges: [MediaRange] = []
            for element in ContentNegotiation.splitList(header) {
                let parts = ContentNegotiation.splitParameters(element)
                guard let mediaType = parts.first else { continue }
                let typeAndSubtype = mediaType.lowercased().split(separator: "/", omittingEmptySubsequences: false)
                guard typeAndSubtype.count == 2, !typeAndSubtype[0].isEmpty, !typeAndSubtype[1].isEmpty else {
                    continue
                }
                let rest = parts.dropFirst()
                guard let q = ContentNegotiation.quality(in: rest) else { continue }
                var version: String?
                for parameter in rest {
                    guard let (name, value) = ContentNegotiation.parameter(parameter) else { continue }
                    // Parameters after q are accept-ext (RFC 7231), not media type parameters.
                    if name == "q" { break }
                    if name == "version" { version = value }
                }
                ranges.append(
                    MediaRange(
                        type: String(typeAndSubtype[0]), subtype: String(typeAndSubtype[1]), version: version, q: q))
            }
            return ranges
        }
    }

    // MARK: - Header syntax

    /// Splits a header list on commas outside quoted strings; trims whitespace; drops empty elements.
    static func splitList(_ header: String) -> [Substring] {
        split(header, on: ",")
    }

    /// Splits one element on semicolons outside quoted strings: the first part is the value itself.
    static func splitParameters(_ element: Substring) -> [Substring] {
        split(element, on: ";")
    }

    private static func split<S: StringProtocol>(_ text: S, on separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var inQuotes = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if inQuotes && character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if character == separator && !inQuotes {
                parts.append(Substring(text[start..<index]))
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(Substring(text[start..<text.endIndex]))
        return parts.map(trimmed).filter { !$0.isEmpty }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    /// `name=value` or `name="quoted \" value"`; the name lower-cased.
    static func parameter(_ text: Substring) -> (name: String, value: String)? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = trimmed(text[..<equals]).lowercased()
        var value = trimmed(text[text.index(after: equals)...])
        if value.count >= 2, value.first == "\"", value.last == "\"" {
            value = value.dropFirst().dropLast()
            var unquoted = ""
            var escaped = false
            for character in value {
                if escaped || character != "\\" {
                    unquoted.append(character)
                    escaped = false
                } else {
                    escaped = true
                }
            }
            return (name, unquoted)
        }
        return (name, String(value))
    }

    /// The q of an element: 1 when absent; nil (skip the element) when present but not a number
    /// in 0...1, so a garbled weight cannot promote anything.
    static func quality(in parameters: ArraySlice<Substring>) -> Double? {
        for text in parameters {
            guard let (name, value) = parameter(text), name == "q" else { continue }
            guard let q = Double(value), q >= 0, q <= 1 else { return nil }
            return q
        }
        return 1
    }
}

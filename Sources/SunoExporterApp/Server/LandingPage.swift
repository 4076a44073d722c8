import SunoExporterCore
import SunoHTTP

/// The HTML page at `/`: what this exporter is, links to /metrics and the API, the configuration (never the key).
public struct LandingPage: Sendable {
    let buildInfo: BuildInfo
    let telemetryPath: String
    let configurationSummary: [(String, String)]

    public init(buildInfo: BuildInfo, telemetryPath: String, configurationSummary: [(String, String)]) {
        self.buildInfo = buildInfo
        self.telemetryPath = telemetryPath
        self.configurationSummary = configurationSummary
    }

    public func render() -> HTTPResponse {
        let rows = configurationSummary.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }
            .joined(separator: "\n")
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Suno Exporter</title></head>
            <body><h1>Suno Exporter</h1><p>version \(HTML.escape(buildInfo.version))</p>
            <p><a href="\(HTML.escape(telemetryPath))">Metrics</a> · <a href="/api/v1/tasks">Tasks API</a></p>
            <table>\(rows)</table></body></html>
            """
        return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", text: html)
    }
}

/// HTML text escaping.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

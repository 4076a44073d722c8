import Foundation
import SunoExporterCore
import SunoHTTP
import SunoStore

/// The HTML page at `/`: what this exporter is, its version, the configuration (never the key),
/// the watch list by status, the stuck tasks, and links to /metrics, the API and the health checks.
///
/// Plain HTML with inline CSS and no script. Every value that comes from configuration, the gateway
/// or a client (ids, models, statuses) is HTML-escaped. One store call per request
/// (`TaskStore.watchListSummary`, index-only work), so the page stays cheap however long the history.
public struct LandingPage: Sendable {
    let buildInfo: BuildInfo
    let telemetryPath: String
    let configurationSummary: [(String, String)]
    let store: TaskStore?
    let policy: LifecyclePolicy
    let clock: @Sendable () -> Double

    /// How many stuck tasks the page lists (the count above the table is always complete).
    static let stuckRows = 25

    public init(
        buildInfo: BuildInfo, telemetryPath: String, configurationSummary: [(String, String)], store: TaskStore? = nil,
        policy: LifecyclePolicy = LifecyclePolicy(),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.buildInfo = buildInfo
        self.telemetryPath = telemetryPath
        self.configurationSummary = configurationSummary
        self.store = store
        self.policy = policy
        self.clock = clock
    }

    public func render() -> HTTPResponse {
        let now = clock()
        var sections: [String] = []
        if let store {
            do {
                let summary = try store.watchListSummary(now: now, policy: policy, stuckLimit: Self.stuckRows)
                sections.append(LandingPageHTML.watchList(summary, policy: policy))
                sections.append(LandingPageHTML.stuckTasks(summary, now: now))
            } catch {
                sections.append(LandingPageHTML.storeError("\(error)"))
            }
        }
        sections.append(LandingPageHTML.configuration(configurationSummary))
        let html = LandingPageHTML.page(
            buildInfo: buildInfo, telemetryPath: telemetryPath, sections: sections, generatedAt: now)
        return HTTPResponse(
            status: 200, contentType: "text/html; charset=utf-8", text: html, headers: [("Cache-Control", "no-store")])
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

/// The landing page's markup, one function per section. Every interpolated value goes through
/// `HTML.escape` (or is a number).
enum LandingPageHTML {
    static func page(buildInfo: BuildInfo, telemetryPath: String, sections: [String], generatedAt: Double) -> String {
        let metrics = HTML.escape(telemetryPath)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Suno Exporter</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>Suno Exporter</h1>
            <p class="sub">Prometheus metrics for Suno music and lyrics tasks behind a CometAPI-compatible gateway.</p>
            <p class="build">version <b>\(HTML.escape(buildInfo.version))</b> · revision <b>\(HTML.escape(buildInfo.revision))</b> · Swift \(HTML.escape(buildInfo.swiftVersion))</p>
            </header>
            <nav>
            <a href="\(metrics)">Metrics <code>\(metrics)</code></a>
            <a href="/api/v1/tasks">Tasks API <code>/api/v1/tasks</code></a>
            <a href="/api/v1/tasks?status=active">Watched tasks <code>?status=active</code></a>
            <a href="/-/healthy">Health <code>/-/healthy</code></a>
            <a href="/-/ready">Readiness <code>/-/ready</code></a>
            </nav>
            <main>
            \(sections.joined(separator: "\n"))
            </main>
            <footer>Generated \(HTML.escape(timestamp(generatedAt))). Task values come from the last poll of the gateway.</footer>
            </body>
            </html>

            """
    }

    static func watchList(_ summary: WatchListSummary, policy: LifecyclePolicy) -> String {
        var cards = TaskStatus.nonTerminal.map { status in
            card(label: status.rawValue, value: summary.active[status] ?? 0, tone: "")
        }
        let thresholds = TaskAction.allCases.map {
            "\($0.rawValue) \(DurationParser.format(policy.stuckThreshold(for: $0)))"
        }
        cards.append(card(label: "stuck", value: summary.stuck, tone: summary.stuck > 0 ? " alert" : " ok"))
        let finished = TaskOutcome.allCases.map { outcome in
            card(
                label: outcome.rawValue, value: summary.finishedTotal[outcome] ?? 0,
                tone: outcome == .success ? " ok" : (summary.finishedTotal[outcome] ?? 0) > 0 ? " warn" : "")
        }
        return """
            <section>
            <h2>Watch list <span class="count">\(summary.activeTotal) watched</span></h2>
            <div class="cards">\(cards.joined())</div>
            <p class="note">Stuck: older than \(HTML.escape(thresholds.joined(separator: ", "))) and not finished.</p>
            <h3>Finished since the store was created</h3>
            <div class="cards">\(finished.joined())</div>
            </section>
            """
    }

    static func stuckTasks(_ summary: WatchListSummary, now: Double) -> String {
        guard !summary.stuckTasks.isEmpty else {
            return """
                <section>
                <h2>Stuck tasks</h2>
                <p class="empty">No stuck tasks.</p>
                </section>
                """
        }
        let rows = summary.stuckTasks.map { task in
            let href = "/api/v1/tasks/" + pathComponent(task.id)
            return """
                <tr><td class="id"><a href="\(HTML.escape(href))">\(HTML.escape(task.id))</a></td>\
                <td>\(HTML.escape(task.action.rawValue))</td><td>\(HTML.escape(task.model))</td>\
                <td>\(HTML.escape(task.status))</td><td class="num">\(HTML.escape(age(now - task.since)))</td></tr>
                """
        }
        let shown =
            summary.stuck > summary.stuckTasks.count
            ? "<p class=\"note\">The \(summary.stuckTasks.count) oldest of \(summary.stuck).</p>" : ""
        return """
            <section>
            <h2>Stuck tasks <span class="count alert">\(summary.stuck)</span></h2>
            \(shown)
            <table class="tasks">
            <thead><tr><th>ID</th><th>Action</th><th>Model</th><th>Status</th><th class="num">Age</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table>
            </section>
            """
    }

    static func configuration(_ summary: [(String, String)]) -> String {
        let rows = summary.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }
        return """
            <section>
            <h2>Configuration</h2>
            <table class="config">
            \(rows.joined(separator: "\n"))
            </table>
            </section>
            """
    }

    static func storeError(_ message: String) -> String {
        """
        <section class="error">
        <h2>Watch list unavailable</h2>
        <p>The store could not be read: <code>\(HTML.escape(message))</code></p>
        </section>
        """
    }

    private static func card(label: String, value: Int, tone: String) -> String {
        "<div class=\"card\(tone)\"><span class=\"value\">\(value)</span><span class=\"label\">\(HTML.escape(label))</span></div>"
    }

    /// Ages as Prometheus durations, whole seconds (`1h2m3s`).
    static func age(_ seconds: Double) -> String {
        DurationParser.format(max(0, seconds.rounded(.down)))
    }

    /// An id as one URL path segment: only unreserved characters stay literal.
    static func pathComponent(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }

    static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }

    static let style = """
        :root{color-scheme:light;--fg:#1d2330;--muted:#5b6576;--line:#d9dee7;--bg:#f5f7fa;--card:#fff;--accent:#3d5afe;\
        --alert:#c62828;--warn:#b26a00;--ok:#2e7d32}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);\
        background:var(--bg)}
        header,nav,main,footer{max-width:1100px;margin:0 auto;padding:0 24px}
        header{padding-top:28px}
        h1{margin:0;font-size:28px}
        h2{font-size:19px;margin:0 0 12px}
        h3{font-size:15px;margin:18px 0 10px;color:var(--muted)}
        .sub{margin:4px 0 0;color:var(--muted)}
        .build{margin:6px 0 0;font-size:13px;color:var(--muted)}
        nav{display:flex;flex-wrap:wrap;gap:10px;margin-top:18px}
        nav a{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 12px;\
        color:var(--accent);text-decoration:none}
        nav a:hover{border-color:var(--accent)}
        code{font:13px ui-monospace,"DejaVu Sans Mono",monospace;color:var(--muted)}
        section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:18px 20px;margin:18px 0}
        section.error{border-color:var(--alert);color:var(--alert)}
        .count{font-size:14px;font-weight:normal;color:var(--muted);margin-left:8px}
        .count.alert{color:var(--alert);font-weight:bold}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:10px}
        .card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fbfcfe}
        .card .value{display:block;font-size:24px;font-weight:600}
        .card .label{font-size:12px;color:var(--muted);text-transform:none}
        .card.alert{border-color:var(--alert)}.card.alert .value{color:var(--alert)}
        .card.warn .value{color:var(--warn)}
        .card.ok .value{color:var(--ok)}
        .note,.empty{color:var(--muted);font-size:13px;margin:10px 0 0}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:baseline}
        table.tasks th{font-size:12px;text-transform:uppercase;color:var(--muted)}
        td.id{font:13px ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
        td.id a{color:var(--accent);text-decoration:none}
        .num{text-align:right;white-space:nowrap}
        table.config th{width:32%;font-weight:600;color:var(--muted)}
        table.config td{font:13px ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
        footer{color:var(--muted);font-size:12px;padding-bottom:28px}
        """
}

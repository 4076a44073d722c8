import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoStore
import SunoTestSupport
import SunoUpstream
import Testing

/// The HTML page at `/`: content, escaping, no secrets, and how it renders in headless Chromium.
@Suite struct LandingPageTests {
    static let key = APIKey("sk-LANDINGKEY-0123456789")
    static let token = "landing-token-TOPSECRET"
    static let hostileID = "\"><script>alert('id')</script>"
    static let hostileModel = "<img src=x onerror=alert(1)>"

    /// A server whose watch list has two stuck tasks (one hostile), one fresh task and one finished one.
    static func withPopulatedServer(_ body: (APITestServer) async throws -> Void) async throws {
        try await withAPIServer(apiToken: token, apiKey: key) { server async throws in
            let now = Date().timeIntervalSince1970
            _ = try server.store.register(
                [
                    Registration(id: hostileID, action: .music, model: hostileModel),
                    Registration(id: "old-lyrics", action: .lyrics),
                ], source: "api", now: now - 3_665)
            _ = try server.store.register(
                [Registration(id: "fresh", action: .music, model: "chirp-v4")], source: "api", now: now)
            let finished = try await TestHTTP.send(
                "POST", server.hookURL,
                json: taskItem(
                    "done", status: "SUCCESS", progress: "100%", submit: Int64(now) - 100, start: Int64(now) - 90,
                    finish: Int64(now)),
                headers: ["Authorization": "Bearer \(token)"])
            #expect(finished.status == 202)
            try await body(server)
        }
    }

    @Test func pageShowsVersionCountsStuckTasksAndLinks() async throws {
        try await Self.withPopulatedServer { server async throws in
            let reply = try await TestHTTP.send("GET", server.baseURL + "/")
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/html; charset=utf-8")
            let html = reply.text
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("version <b>\(BuildVersion.version)</b>"))
            for link in ["/metrics", "/api/v1/tasks", "/-/healthy", "/-/ready"] {
                #expect(html.contains("href=\"\(link)\""), "missing link \(link)")
            }
            // Counts by status: three watched, all NOT_START; two of them stuck; one finished.
            #expect(html.contains("3 watched"))
            #expect(html.contains("<span class=\"value\">3</span><span class=\"label\">NOT_START</span>"))
            #expect(html.contains("<span class=\"value\">2</span><span class=\"label\">stuck</span>"))
            #expect(html.contains("<span class=\"value\">1</span><span class=\"label\">success</span>"))
            // Stuck tasks: id, action, model, age (1h1m5s at registration: it reads 1h1m for another 55 s);
            // the fresh one is not listed.
            #expect(
                html.contains(
                    ">old-lyrics</a></td><td>LYRICS</td><td>unknown</td><td>NOT_START</td><td class=\"num\">1h1m"))
            #expect(!html.contains(">fresh</a>"))
            // Configuration summary, without the key or the token.
            #expect(html.contains("<th>gateway key</th><td>set (hidden)</td>"))
            #expect(html.contains("<th>write auth</th><td>bearer token</td>"))
            #expect(html.contains("<th>storage</th><td>\(HTML.escape(server.databasePath))</td>"))
        }
    }

    @Test func everythingIsEscapedAndNoSecretLeaks() async throws {
        try await Self.withPopulatedServer { server async throws in
            let html = try await TestHTTP.send("GET", server.baseURL + "/").text
            #expect(!html.contains("<script"), "the page must carry no script at all")
            #expect(!html.contains("<img"))
            #expect(html.contains("&quot;&gt;&lt;script&gt;alert(&#39;id&#39;)&lt;/script&gt;"))
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
            // The task link percent-encodes the id, then escapes it for the attribute.
            #expect(html.contains("href=\"/api/v1/tasks/%22%3E%3Cscript%3Ealert%28%27id%27%29%3C%2Fscript%3E\""))
            #expect(!html.contains("LANDINGKEY"))
            #expect(!html.contains("TOPSECRET"))
        }
    }

    @Test func pageIsReadOnly() async throws {
        try await withAPIServer { server async throws in
            let post = try await TestHTTP.send("POST", server.baseURL + "/", text: "{}")
            #expect(post.status == 405)
            #expect(post.header("allow") == "GET, HEAD")
            let head = try await TestHTTP.send("HEAD", server.baseURL + "/")
            #expect(head.status == 200)
        }
    }

    @Test func emptyWatchListAndNoStore() async throws {
        try await withAPIServer { server async throws in
            let html = try await TestHTTP.send("GET", server.baseURL + "/").text
            #expect(html.contains("0 watched"))
            #expect(html.contains("No stuck tasks."))
            #expect(html.contains("<th>gateway key</th><td>not set</td>"))
        }
        // Without a store (a router built by hand) the page still renders the rest.
        let page = LandingPage(
            buildInfo: BuildInfo(version: "9.9.9", revision: "<rev>", swiftVersion: "6.3"), telemetryPath: "/m&m",
            configurationSummary: [("a<b", "c&d")])
        let html = String(decoding: page.render().body.array, as: UTF8.self)
        #expect(html.contains("revision <b>&lt;rev&gt;</b>"))
        #expect(html.contains("href=\"/m&amp;m\""))
        #expect(html.contains("<th>a&lt;b</th><td>c&amp;d</td>"))
        #expect(!html.contains("Watch list"))
    }

    @Test func stuckListIsCappedButTheCountIsComplete() async throws {
        try await withAPIServer { server async throws in
            let old = Date().timeIntervalSince1970 - 7_200
            let ids = (0..<40).map { String(format: "stuck-%02d", $0) }
            _ = try server.store.register(ids.map { Registration(id: $0, action: .music) }, source: "api", now: old)
            let html = try await TestHTTP.send("GET", server.baseURL + "/").text
            #expect(html.contains("<span class=\"count alert\">40</span>"))
            #expect(html.contains("The 25 oldest of 40."))
            #expect(html.components(separatedBy: "<td class=\"id\">").count - 1 == 25)
        }
    }

    // MARK: - Headless Chromium

    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        .enabled(if: chromium != nil, "chromium is not installed (Debian package `chromium`; `make deps` installs it)"),
        .timeLimit(.minutes(3)))
    func rendersInHeadlessChromium() async throws {
        let chromium = try #require(Self.chromium)
        try await Self.withPopulatedServer { server async throws in
            let directory = server.directory
            func screenshot(_ url: String, _ name: String) async throws -> Data {
                let file = directory.appendingPathComponent(name)
                let run = try await runProcess(
                    chromium,
                    [
                        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                        "--user-data-dir=\(directory.appendingPathComponent("profile-\(name)").path)",
                        "--screenshot=\(file.path)", "--window-size=1200,900", url,
                    ], timeout: 90)
                let data = try #require(
                    FileManager.default.contents(atPath: file.path),
                    "no screenshot from chromium (status \(run.status)): \(run.stderr.suffix(600))")
                return data
            }
            let page = try await screenshot(server.baseURL + "/", "landing.png")
            let blank = try await screenshot("about:blank", "blank.png")

            // A PNG of the asked size.
            #expect(Array(page.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            #expect(Self.pngSize(page)?.width == 1200)
            #expect(Self.pngSize(page)?.height == 900)
            // Not blank: text, cards and tables compress far worse than an empty white page.
            #expect(page.count > 20_000, "screenshot only \(page.count) bytes")
            #expect(page.count > blank.count * 4, "page \(page.count) bytes vs blank \(blank.count) bytes")
        }
    }

    /// Width and height from the IHDR chunk, which always follows the 8-byte signature.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[12...15] == [0x49, 0x48, 0x44, 0x52] else { return nil }
        func int(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }
}

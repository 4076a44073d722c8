import Foundation
import Logging
import SunoExporterCore
import SunoStore
import SunoTestSupport
import Testing

@testable import SunoExporterApp

/// The gateway's text (statuses, fail reasons, model names) and clients' ids, made hostile (quotes,
/// newlines, markup, ANSI escapes, line separators), go through every place they are shown: metric
/// labels, the landing page, the JSON API and log lines. Each must keep them inert and, where the format
/// allows, round-trip them exactly.
@Suite struct HostileTextTests {
    static let submit = Int64(Date().timeIntervalSince1970) - 3_600
    /// Valid as an id (no whitespace or control characters) yet full of markup and quotes.
    static let hostileID = #"x"'<script>alert(1)</script>&amp;\"#
    static let hostileModel = "chirp\"}\n# EOF\u{1b}[31m<marquee>\\u{0}'"
    static let hostileStatus = "IN_PROGRESS\"><img src=x onerror=alert(1)>"
    static let hostileReason = "boom\r\ninjected=1 level=error \u{1b}]0;pwned\u{7}\u{2028}</td><script>x</script>"

    /// A gateway answer carrying the hostile text, as JSON (the scanner decodes the escapes).
    static var answer: CannedAnswer {
        func json(_ text: String) -> String { JSONText.literal(text) }
        let clip = #"[{"id":"c1","status":"streaming","model_name":\#(json(hostileModel))}]"#
        let items = [
            #"{"task_id":\#(json(hostileID)),"action":"MUSIC","status":"IN_PROGRESS","progress":"10%","#
                + #""fail_reason":\#(json(hostileReason)),"submit_time":\#(submit),"data":\#(clip)}"#,
            #"{"task_id":"plain-2","action":"MUSIC","status":\#(json(hostileStatus)),"progress":"5%","#
                + #""fail_reason":"","submit_time":\#(submit),"data":null}"#,
        ]
        return .json(200, #"{"code":"success","message":"","data":[\#(items.joined(separator: ","))]}"#)
    }

    @Test func gatewayTextIsInertInLabelsPagesAndJSON() async throws {
        let gateway = try ScriptedGateway([Self.answer])
        defer { gateway.stop() }
        try await withAPIServer(gatewayURL: gateway.baseURL) { server async throws in
            try server.store.register(
                [Registration(id: Self.hostileID, action: .music), Registration(id: "plain-2", action: .music)],
                source: "api", now: Date().timeIntervalSince1970)
            await server.assembly.collector.runCycle()

            // Labels: the exposition stays one sample per line and the model label reads back exactly.
            let metrics = try await TestHTTP.send("GET", server.baseURL + "/metrics")
            for line in metrics.text.split(separator: "\n") {
                #expect(line.hasPrefix("#") || line.hasPrefix("suno_") || line.hasPrefix("process_"), "\(line)")
            }
            let samples = ExpositionSamples(metrics.text)
            // Model names lose their control characters before they become labels (ModelName.normalise);
            // the rest, quotes and backslashes included, is escaped by the exposition format and reads back.
            let model = ModelName.normalise(Self.hostileModel)
            #expect(model.contains("\"}# EOF[31m<marquee>\\"))
            #expect(samples.samples.contains { $0.name == "suno_tasks" && $0.labels["model"] == model })

            // JSON API: parses, and every value reads back exactly.
            let detail = try await TestHTTP.send("GET", server.taskURL(Self.hostileID))
            #expect(detail.status == 200)
            let object = try detail.object()
            #expect(object["id"] as? String == Self.hostileID)
            #expect(object["fail_reason"] as? String == Self.hostileReason)
            #expect(object["model"] as? String == model)
            let other = try await TestHTTP.send("GET", server.taskURL("plain-2")).object()
            #expect(other["status"] as? String == Self.hostileStatus)
            let list = try await TestHTTP.send("GET", server.tasksURL)
            #expect((try list.object()["tasks"] as? [[String: Any]])?.count == 2)

            // Landing page: the stuck-task table shows them, escaped; no markup of theirs survives.
            let page = try await TestHTTP.send("GET", server.baseURL + "/").text
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;"))
            #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(page.contains("chirp&quot;}"))
            for raw in ["<script>alert", "<img src", "<marquee>", "'<script>", "\u{1b}"] {
                #expect(!page.contains(raw), "\(raw)")
            }
        }
    }

    static let hostileValues = [
        hostileReason, hostileModel, hostileID, hostileStatus, "", " ", "a=b", "tab\there", "nul\u{0}byte",
        "c1\u{9b}31m", "bell\u{7}", "para\u{2029}graph", "quote\"back\\slash", "é—🎵",
    ]

    @Test(arguments: LogFormat.allCases)
    func logLinesStayOneLineAndReadBack(format: LogFormat) throws {
        let written = Recorder<String>()
        var logger = Logger(label: "t") { label in
            LineLogHandler(label: label, level: .trace, format: format, write: { written.append($0) })
        }
        logger[metadataKey: "task.id"] = "\(Self.hostileID)"
        for value in Self.hostileValues {
            logger.warning("gateway said \(value)", metadata: ["detail": "\(value)"])
        }
        #expect(written.count == Self.hostileValues.count)
        for (line, value) in zip(written.values, Self.hostileValues) {
            #expect(line.hasSuffix("\n"))
            let body = line.dropLast()
            // No line break or terminal control reaches the stream (JSON may carry C1 and separators as
            // text: a JSON reader, not a terminal, is its consumer).
            #expect(!body.unicodeScalars.contains { Self.breaksALogLine($0, format) }, "\(line)")
            let fields: [String: String]
            switch format {
            case .json:
                let parsed = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]
                fields = try #require(parsed, "\(line)")
            case .logfmt:
                fields = try #require(Self.parseLogfmt(String(body)), "\(line)")
            }
            #expect(fields["detail"] == value, "\(line)")
            #expect(fields["msg"] == "gateway said \(value)")
            #expect(fields["task.id"] == Self.hostileID)
            #expect(fields["level"] == "warn")
        }
    }

    static func breaksALogLine(_ scalar: Unicode.Scalar, _ format: LogFormat) -> Bool {
        let value = scalar.value
        if value < 0x20 || value == 0x7F { return true }
        if format == .json { return false }
        return (0x80...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }

    /// A strict reader of the logfmt this handler writes: bare values, or quoted with \\ \" \n \r \t \uXXXX.
    static func parseLogfmt(_ line: String) -> [String: String]? {
        var fields: [String: String] = [:]
        var scalars = Substring(line).unicodeScalars[...]
        while !scalars.isEmpty {
            guard let equals = scalars.firstIndex(of: "=") else { return nil }
            let key = String(String.UnicodeScalarView(scalars[..<equals]))
            scalars = scalars[scalars.index(after: equals)...]
            var value = String.UnicodeScalarView()
            if scalars.first == "\"" {
                scalars = scalars.dropFirst()
                while true {
                    guard let next = scalars.first else { return nil }
                    scalars = scalars.dropFirst()
                    if next == "\"" { break }
                    guard next == "\\" else {
                        value.append(next)
                        continue
                    }
                    guard let escaped = scalars.first else { return nil }
                    scalars = scalars.dropFirst()
                    switch escaped {
                    case "n": value.append("\n")
                    case "r": value.append("\r")
                    case "t": value.append("\t")
                    case "u":
                        let hex = String(String.UnicodeScalarView(scalars.prefix(4)))
                        guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else { return nil }
                        value.append(scalar)
                        scalars = scalars.dropFirst(4)
                    default: value.append(escaped)
                    }
                }
            } else {
                let end = scalars.firstIndex(of: " ") ?? scalars.endIndex
                value.append(contentsOf: scalars[..<end])
                scalars = scalars[end...]
            }
            fields[key] = String(value)
            if scalars.first == " " { scalars = scalars.dropFirst() }
        }
        return fields
    }
}

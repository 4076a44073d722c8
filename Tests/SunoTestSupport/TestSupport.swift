import Foundation
import Logging
import Synchronization

/// A temporary directory per test, removed at the end.
package struct ScratchDirectory {
    package let url: URL

    package init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("suno-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    package func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    package func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Paths of the repository and of the built binaries.
package enum Repository {
    package static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The debug `suno-exporter` that `swift build --build-tests` produced next to the test bundle.
    package static var exporterBinary: String? {
        let runner = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        let products = runner.resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            runner.deletingLastPathComponent(), products, products.deletingLastPathComponent(),
            root.appendingPathComponent(".build/debug"),
        ].map { $0.appendingPathComponent("suno-exporter").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    package static func which(_ tool: String) -> String? {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin"] {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// A logger that drops everything (tests assert on metrics and state, not log lines).
package let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
package func eventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Values appended by `@Sendable` callbacks and concurrent tasks.
package final class Recorder<Value: Sendable>: Sendable {
    private let items = Mutex<[Value]>([])
    package init() {}
    package func append(_ value: Value) { items.withLock { $0.append(value) } }
    package var values: [Value] { items.withLock { $0 } }
    package var count: Int { items.withLock { $0.count } }
    package func removeAll() { items.withLock { $0.removeAll() } }
}

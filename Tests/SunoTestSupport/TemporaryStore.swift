import Foundation
import SunoStore

/// A fresh SQLite file in its own temporary directory, removed by `remove()`.
package struct TemporaryDirectory {
    package let url: URL

    package init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("suno-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    package var databasePath: String { url.appendingPathComponent("test.db").path }

    package func remove() { try? FileManager.default.removeItem(at: url) }
}

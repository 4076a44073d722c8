import Foundation
import SunoStore

/// A fresh SQLite file in its own temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("suno-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("test.db").path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

import Foundation
import Testing

@testable import SunoExporterApp

/// Reports of `make test-sanitize` (Tests/sanitize/run.sh) in the exporter's own code, each kept as a test
/// that exercises the fixed path; under AddressSanitizer it fails if the fault comes back.
struct SanitizerFoundTests {
    /// `process_open_fds` counted `/proc/self/fd` entries by copying each entry's 256-byte `d_name`, which
    /// read past the end of glibc's readdir buffer (heap-buffer-overflow). Names of every length, including
    /// the ones that look like `.` and `..`, are counted exactly.
    @Test func directoryEntriesAreCountedWithoutReadingPastTheirNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entries-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(ProcessMetrics.countEntries(directory.path) == 0)

        let names = ["a", "..a", ".a", "...", String(repeating: "n", count: 255)] + (0..<300).map { "f\($0)" }
        for name in names {
            #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil))
        }
        #expect(ProcessMetrics.countEntries(directory.path) == names.count)
        #expect(ProcessMetrics.countEntries("/proc/self/fd").map { $0 > 2 } == true)
    }
}

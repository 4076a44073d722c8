import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Clocks and counters the benchmarks read: CPU time of this process (every thread), wall time,
/// and the resident-set figures of /proc.
enum Measure {
    /// CPU seconds (user + system) used so far by every thread of this process.
    static func processCPUSeconds() -> Double {
        var spec = timespec()
        unsafe clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// CPU seconds used so far by the calling thread.
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        unsafe clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A monotonic wall clock in seconds.
    static func wallSeconds() -> Double {
        var spec = timespec()
        unsafe clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Runs `body` and returns its result with the CPU and wall seconds it took.
    static func cpu<T>(_ body: () async throws -> T) async rethrows -> (value: T, cpu: Double, wall: Double) {
        let cpu0 = processCPUSeconds()
        let wall0 = wallSeconds()
        let value = try await body()
        return (value, processCPUSeconds() - cpu0, wallSeconds() - wall0)
    }

    /// Peak resident set size (VmHWM) of this process, in bytes; 0 when /proc is not readable.
    static func peakRSSBytes() -> Int { statusField("VmHWM:") }

    /// Current resident set size (VmRSS), in bytes.
    static func currentRSSBytes() -> Int { statusField("VmRSS:") }

    private static func statusField(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.dropFirst(name.count).filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
        return 0
    }

    /// A logger that drops everything: the benchmarks measure work, not log formatting.
    static let quietLogger = Logger(label: "suno-bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The running executable, for re-running itself as a child process.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// A temporary directory removed when the benchmark that made it ends.
final class ScratchDirectory {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "suno-bench-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ file: String) -> String { url.appendingPathComponent(file).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Number formatting for the table.
enum Format {
    static func number(_ value: Double, _ digits: Int = 0) -> String {
        guard value.isFinite else { return "n/a" }
        let text = String(format: "%.\(digits)f", value)
        guard digits == 0, abs(value) >= 10_000 else { return text }
        // Thousands separators for large integers.
        var grouped = ""
        for (offset, character) in text.reversed().enumerated() {
            if offset > 0, offset % 3 == 0, character != "-" { grouped.append(",") }
            grouped.append(character)
        }
        return String(grouped.reversed())
    }

    static func seconds(_ value: Double) -> String {
        value >= 1 ? String(format: "%.2f s", value) : String(format: "%.0f ms", value * 1_000)
    }

    static func milliseconds(_ value: Double) -> String { String(format: "%.2f ms", value * 1_000) }

    static func microseconds(_ value: Double) -> String { String(format: "%.0f µs", value * 1e6) }

    static func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    static func ratio(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return value >= 10 ? String(format: "%.0f×", value) : String(format: "%.2f×", value)
    }
}

import Foundation
import SunoExporterCore
import SunoTestSupport
import Testing

@testable import SunoExporterApp

@Suite struct ProcessMetricsTests {
    static func value(_ name: String, in families: [MetricFamily]) -> Double? {
        guard let family = families.first(where: { $0.name == name }), case .scalar(let v) = family.series.first?.value
        else { return nil }
        return v
    }

    @Test func readsPlausibleValuesFromProcSelf() throws {
        let families = ProcessMetrics.collect()
        #expect(
            Set(families.map(\.name)) == [
                "process_cpu_seconds_total", "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
                "process_virtual_memory_max_bytes", "process_resident_memory_bytes", "process_start_time_seconds",
            ])
        let rss = try #require(Self.value("process_resident_memory_bytes", in: families))
        let vsize = try #require(Self.value("process_virtual_memory_bytes", in: families))
        let openFDs = try #require(Self.value("process_open_fds", in: families))
        let maxFDs = try #require(Self.value("process_max_fds", in: families))
        let cpu = try #require(Self.value("process_cpu_seconds_total", in: families))
        let start = try #require(Self.value("process_start_time_seconds", in: families))
        #expect(rss > 1_048_576)
        #expect(vsize >= rss)
        #expect(openFDs >= 3)  // stdin, stdout, stderr at least
        #expect(maxFDs >= openFDs)
        #expect(cpu > 0)
        let now = Date().timeIntervalSince1970
        #expect(start <= now + 1)
        #expect(start > now - 86_400)  // this test process started less than a day ago
        #expect(families.first { $0.name == "process_cpu_seconds_total" }?.type == .counter)
        #expect(families.first { $0.name == "process_resident_memory_bytes" }?.help == "Resident memory size in bytes.")
    }

    @Test func openFileDescriptorsAreCounted() throws {
        let before = try #require(Self.value("process_open_fds", in: ProcessMetrics.collect()))
        let handles = try (0..<5).map { _ in try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/stat")) }
        let during = try #require(Self.value("process_open_fds", in: ProcessMetrics.collect()))
        for handle in handles { try handle.close() }
        // Other tests run in parallel and open sockets; at least our five must show.
        #expect(during >= before + 5 || during >= 8)
    }

    @Test func aMissingProcfsYieldsNoFamilies() throws {
        #expect(ProcessMetrics.collect(procRoot: "/nonexistent-proc").isEmpty)
        // A fake procfs with only some files: the families they back, and nothing else.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let root = scratch.url
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("self"), withIntermediateDirectories: true)
        try Self.limits.write(to: root.appendingPathComponent("self/limits"), atomically: true, encoding: .utf8)
        try "garbage".write(to: root.appendingPathComponent("self/stat"), atomically: true, encoding: .utf8)
        let families = ProcessMetrics.collect(procRoot: root.path)
        #expect(families.map(\.name).sorted() == ["process_max_fds", "process_virtual_memory_max_bytes"])
        #expect(Self.value("process_max_fds", in: families) == 1024)
        #expect(Self.value("process_virtual_memory_max_bytes", in: families) == Double(UInt64.max))
    }

    static let limits = """
        Limit                     Soft Limit           Hard Limit           Units     
        Max cpu time              unlimited            unlimited            seconds   
        Max file size             unlimited            unlimited            bytes     
        Max open files            1024                 1048576              files     
        Max address space         unlimited            unlimited            bytes     
        Max realtime timeout      unlimited            unlimited            us        

        """

    @Test func parsesStatWithAnAwkwardCommandName() throws {
        let text =
            "4242 (suno exp) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 4 0 123456 "
            + "987654321 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        let stat = try #require(ProcessMetrics.parseStat(text))
        #expect(
            stat
                == .init(
                    userTicks: 250, systemTicks: 75, startTicks: 123_456, virtualMemoryBytes: 987_654_321,
                    residentPages: 2048))
        #expect(ProcessMetrics.parseStat("4242 (short) S 1 2 3") == nil)
        #expect(ProcessMetrics.parseStat("") == nil)
    }

    @Test func parsesBootTimeAndLimits() {
        #expect(ProcessMetrics.parseBootTime("cpu  1 2 3\nintr 5\nbtime 1764400000\nprocesses 9\n") == 1_764_400_000)
        #expect(ProcessMetrics.parseBootTime("cpu 1\n") == nil)
        let limits = ProcessMetrics.parseLimits(Self.limits)
        #expect(limits.openFiles == 1024)
        #expect(limits.addressSpace == ProcessMetrics.unlimited)
        let limited = ProcessMetrics.parseLimits(
            "Max address space         8589934592           unlimited            bytes\n")
        #expect(limited.addressSpace == 8_589_934_592)
        #expect(limited.openFiles == nil)
    }
}

import SunoExporterCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `process_*` families of client_golang's process collector, read from procfs at call time.
///
/// Same names, HELP texts and semantics as client_golang (through prometheus/procfs), so the usual
/// dashboards and alerts work unchanged. Each source is read on its own: a file that cannot be read
/// or parsed yields no family for what it backs, never an error or a crash. On a system without
/// procfs the result is simply empty.
public enum ProcessMetrics {
    /// What client_golang reports for an `unlimited` rlimit: procfs parses it as the largest uint64,
    /// exported as float64 (1.8446744073709552e+19). Very old client_golang versions reported -1.
    public static let unlimited = Double(UInt64.max)

    /// Reads `<procRoot>/self/{stat,limits,fd}` and `<procRoot>/stat` (boot time).
    public static func collect(procRoot: String = "/proc") -> [MetricFamily] {
        var families: [MetricFamily] = []
        let ticksPerSecond = Double(positiveSysconf(Int32(_SC_CLK_TCK)) ?? 100)
        let pageSize = Double(positiveSysconf(Int32(_SC_PAGESIZE)) ?? 4096)

        if let text = readFile(procRoot + "/self/stat"), let stat = parseStat(text) {
            families.append(
                gauge(
                    "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                    Double(stat.userTicks + stat.systemTicks) / ticksPerSecond, type: .counter, unit: "seconds"))
            families.append(
                gauge(
                    "process_virtual_memory_bytes", "Virtual memory size in bytes.",
                    Double(stat.virtualMemoryBytes), unit: "bytes"))
            families.append(
                gauge(
                    "process_resident_memory_bytes", "Resident memory size in bytes.",
                    Double(stat.residentPages) * pageSize, unit: "bytes"))
            if let procStat = readFile(procRoot + "/stat"), let bootTime = parseBootTime(procStat) {
                families.append(
                    gauge(
                        "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                        Double(bootTime) + Double(stat.startTicks) / ticksPerSecond, unit: "seconds"))
            }
        }
        if let open = countEntries(procRoot + "/self/fd") {
            families.append(gauge("process_open_fds", "Number of open file descriptors.", Double(open)))
        }
        if let text = readFile(procRoot + "/self/limits") {
            let limits = parseLimits(text)
            if let openFiles = limits.openFiles {
                families.append(gauge("process_max_fds", "Maximum number of open file descriptors.", openFiles))
            }
            if let addressSpace = limits.addressSpace {
                families.append(
                    gauge(
                        "process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.",
                        addressSpace, unit: "bytes"))
            }
        }
        return families
    }

    private static func gauge(
        _ name: String, _ help: String, _ value: Double, type: MetricType = .gauge, unit: String? = nil
    ) -> MetricFamily {
        MetricFamily(name: name, help: help, type: type, unit: unit, series: [Series([], value)])
    }

    // MARK: - Parsing (pure, tested with literal file contents)

    /// The fields of `/proc/<pid>/stat` the collector needs (proc(5) numbering in comments).
    struct Stat: Equatable {
        var userTicks: UInt64  // (14) utime
        var systemTicks: UInt64  // (15) stime
        var startTicks: UInt64  // (22) starttime, since boot
        var virtualMemoryBytes: UInt64  // (23) vsize
        var residentPages: Int64  // (24) rss
    }

    /// Parses `/proc/<pid>/stat`. The command name (2) is in parentheses and may itself hold spaces
    /// and parentheses, so fields are counted from the last `)`.
    static func parseStat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is at index 0, so field n is at index n - 3.
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        func field(_ n: Int) -> Substring? { fields.count > n - 3 ? fields[n - 3] : nil }
        guard let utime = field(14).flatMap({ UInt64($0) }), let stime = field(15).flatMap({ UInt64($0) }),
            let start = field(22).flatMap({ UInt64($0) }), let vsize = field(23).flatMap({ UInt64($0) }),
            let rss = field(24).flatMap({ Int64($0) })
        else { return nil }
        return Stat(
            userTicks: utime, systemTicks: stime, startTicks: start, virtualMemoryBytes: vsize, residentPages: rss)
    }

    /// The `btime` line of `/proc/stat`: boot time in Unix seconds.
    static func parseBootTime(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return UInt64(line.dropFirst("btime ".count).trimmingSpaces())
        }
        return nil
    }

    /// The soft limits of `/proc/<pid>/limits` behind process_max_fds and process_virtual_memory_max_bytes.
    static func parseLimits(_ text: String) -> (openFiles: Double?, addressSpace: Double?) {
        var openFiles: Double?
        var addressSpace: Double?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Max open files ") {
                openFiles = softLimit(line.dropFirst("Max open files ".count))
            } else if line.hasPrefix("Max address space ") {
                addressSpace = softLimit(line.dropFirst("Max address space ".count))
            }
        }
        return (openFiles, addressSpace)
    }

    /// The first column after the limit's name: a number or `unlimited`.
    private static func softLimit(_ columns: Substring) -> Double? {
        guard let soft = columns.split(separator: " ").first else { return nil }
        if soft == "unlimited" { return unlimited }
        return UInt64(soft).map { Double($0) }
    }

    // MARK: - Reading

    private static func positiveSysconf(_ name: Int32) -> Int? {
        let value = sysconf(name)
        return value > 0 ? value : nil
    }

    /// A whole procfs file. They report size 0, so read until EOF; at most 1 MiB.
    static func readFile(_ path: String) -> String? {
        let fd = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = unsafe chunk.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries of a directory other than `.` and `..`; nil when it cannot be opened.
    /// For `/proc/self/fd` this includes the descriptor used to list it, as in client_golang.
    static func countEntries(_ path: String) -> Int? {
        guard let directory = unsafe opendir(path) else { return nil }
        defer { unsafe closedir(directory) }
        var count = 0
        while let entry = unsafe readdir(directory) {
            if unsafe !isDotOrDotDot(entry) { count += 1 }
        }
        return count
    }

    /// Reads the name in place, never past its NUL: copying `d_name` (a 256-byte array) reads beyond the
    /// end of glibc's readdir buffer when the last entry's name is short (AddressSanitizer:
    /// heap-buffer-overflow in `make test-sanitize`).
    static func isDotOrDotDot(_ entry: UnsafeMutablePointer<dirent>) -> Bool {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0
        let name = unsafe UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: UInt8.self)
        guard unsafe name[0] == UInt8(ascii: ".") else { return false }
        return unsafe name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}

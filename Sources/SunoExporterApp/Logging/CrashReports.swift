import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps Swift's crash reports free of memory contents.
///
/// When a Swift program crashes without a terminal, the runtime's backtracer prints the `full` preset,
/// which lists every register and the 16 bytes each one points to. A crash while a request is built or
/// sent would print whatever a register points at, such as the `Authorization: Bearer` line with the
/// gateway key. The backtracer reads its settings from `SWIFT_BACKTRACE` before `main` runs, so the only
/// way to change them from inside is to start again: the process replaces itself once (same pid, same
/// arguments and descriptors) with `registers=none` added. An operator who sets `registers=` in
/// `SWIFT_BACKTRACE` keeps their choice; thread backtraces are unaffected.
public enum CrashReports {
    static let variable = "SWIFT_BACKTRACE"

    /// Call first thing in `main`. Returns at once when the setting is already there; otherwise does not
    /// return unless re-executing fails (the process then goes on with the runtime's defaults).
    public static func withoutRegisterDumps() {
        let current = ProcessInfo.processInfo.environment[variable]
        guard let settings = settings(adding: current) else { return }
        unsafe setenv(variable, settings, 1)
        // The resolved path, not /proc/self/exe itself: the process name (`ps`, `pgrep`) comes from it.
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        unsafe execv(path, CommandLine.unsafeArgv)
    }

    /// `current` with `registers=none` added, or nil when it already says something about registers.
    static func settings(adding current: String?) -> String? {
        let pairs = (current ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if pairs.contains(where: { $0.lowercased().hasPrefix("registers=") }) { return nil }
        return (pairs.filter { !$0.isEmpty } + ["registers=none"]).joined(separator: ",")
    }
}

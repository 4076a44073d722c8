#if canImport(Glibc)
    import Glibc
#endif

/// Makes room in the process's open-files limit for the HTTP connections the daemon may accept.
///
/// Each connection is a file descriptor. Left at a soft limit of 1024 (Debian's default), a few hundred
/// idle clients could take the descriptors SQLite and libcurl need, so the collector would fail instead
/// of only new connections waiting. The soft limit is raised towards the hard one (never lowered), and
/// a connection limit the hard limit cannot hold is cut down to fit, keeping a reserve for the rest.
enum OpenFilesLimit {
    /// Descriptors kept for everything else: the store, its WAL, gateway connections, logs.
    static let reserve = 256
    /// RLIM_INFINITY, which Swift imports as a literal that does not fit `rlim_t`.
    private static let unlimited = rlim_t.max

    /// `wanted`, or as many connections as the open-files limit can hold beside the reserve (at least 16).
    static func connectionsThatFit(_ wanted: Int) -> Int {
        var limit = rlimit()
        guard unsafe getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        let needed = rlim_t(clamping: wanted + reserve)
        if limit.rlim_cur != unlimited, limit.rlim_cur < needed {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == unlimited ? needed : min(needed, limit.rlim_max)
            if unsafe setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur != unlimited, limit.rlim_cur < needed else { return wanted }
        return max(16, Int(limit.rlim_cur) - reserve)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// Gives the heap a cycle freed back to the system. A cycle's transient buffers (answers, decoded
/// items, rows, the snapshot's renderings) are spread over glibc's per-thread malloc arenas, which
/// otherwise keep the freed pages resident: the process would settle well above what it uses.
/// `malloc_trim` is looked up at run time (it is not in the Swift Glibc module); elsewhere this is a no-op.
enum HeapTrim {
    #if canImport(Glibc)
        private typealias Trim = @convention(c) (Int) -> Int32
        private static let trim: Trim? = {
            guard let handle = unsafe dlopen(nil, RTLD_NOW), let symbol = unsafe dlsym(handle, "malloc_trim") else {
                return nil
            }
            return unsafe unsafeBitCast(symbol, to: Trim.self)
        }()
    #endif

    static func releaseFreeMemory() {
        #if canImport(Glibc)
            _ = trim?(0)
        #endif
    }
}

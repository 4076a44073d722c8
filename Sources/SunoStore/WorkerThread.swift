import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A thread of its own that runs submitted jobs one at a time, in order, optionally at a lower CPU
/// priority.
///
/// For background work that blocks (SQLite) or burns CPU (rendering a snapshot): it never runs on
/// Swift's cooperative pool, and at a lower priority the threads that answer HTTP requests go first
/// when the CPU is short (only for work that holds no lock those threads wait for). The thread ends
/// when this object is released and the jobs already submitted have run.
public final class WorkerThread: Sendable {
    private let queue: JobQueue

    /// `niceness`: added to the thread's nice value (Linux applies it to this one thread).
    public init(name: String, niceness: Int32 = 5) {
        let queue = JobQueue()
        self.queue = queue
        let thread = Thread {
            #if canImport(Glibc)
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            #endif
            while let job = queue.next() { job() }
        }
        thread.name = name
        thread.start()
    }

    deinit {
        queue.close()
    }

    /// Runs `body` on this thread and waits for it without holding a thread of the caller's.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Jobs waiting for the thread; `next()` blocks until there is one, nil once closed and drained.
    private final class JobQueue: Sendable {
        private let jobs = Mutex<(pending: [@Sendable () -> Void], closed: Bool)>(([], false))
        private let available = DispatchSemaphore(value: 0)

        func submit(_ job: @escaping @Sendable () -> Void) {
            jobs.withLock { $0.pending.append(job) }
            available.signal()
        }

        func close() {
            jobs.withLock { $0.closed = true }
            available.signal()
        }

        func next() -> (@Sendable () -> Void)? {
            while true {
                available.wait()
                let job = jobs.withLock { state -> (@Sendable () -> Void)?? in
                    if !state.pending.isEmpty { return .some(state.pending.removeFirst()) }
                    return state.closed ? .some(nil) : nil
                }
                if let job { return job }
            }
        }
    }
}

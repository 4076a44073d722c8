import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Unbuffered writes to the standard streams (`print` buffers when stdout is a pipe, and a child's
/// answers must reach the parent at once).
enum FileOutput {
    static func standardOutput(_ text: String) { write(1, text) }
    static func standardError(_ text: String) { write(2, text) }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        // Bounded: every iteration writes at least one byte or gives up.
        while offset < bytes.count {
            let written = unsafe bytes.withUnsafeMutableBytes { raw in
                unsafe Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

/// Reads newline-terminated lines from a file descriptor.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    init(fd: Int32) { self.fd = fd }

    /// The next line without its newline; nil at end of input.
    mutating func next() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                guard start < buffer.count else { return nil }
                let rest = String(decoding: buffer[start...], as: UTF8.self)
                buffer = []
                start = 0
                return rest
            }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }
}

/// This benchmark re-run as a child process with a hidden subcommand, talking line by line over
/// its stdin and stdout. Keeping the simulator (or a measured exporter) in its own process means
/// `CLOCK_PROCESS_CPUTIME_ID` and VmHWM of each process count only that process's work.
final class ChildProcess {
    private let process = Process()
    private let input: FileHandle
    private var output: LineReader

    init(arguments: [String]) throws {
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.executableURL = URL(fileURLWithPath: Measure.executablePath)
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.standardError
        try process.run()
        input = stdinPipe.fileHandleForWriting
        output = LineReader(fd: stdoutPipe.fileHandleForReading.fileDescriptor)
    }

    func send(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    /// The next line the child wrote; throws when it exited instead.
    func readLine() throws -> String {
        guard let line = output.next() else { throw BenchError("child \(process.arguments?.first ?? "") ended early") }
        return line
    }

    /// Sends a command and returns the child's one-line answer.
    func ask(_ line: String) throws -> String {
        send(line)
        return try readLine()
    }

    /// Lowers the child's CPU priority (nice `value`): for a stand-in of a remote service, whose
    /// CPU would not compete with the measured process's threads in production.
    func lowerPriority(to value: Int32) {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(process.processIdentifier), value)
    }

    /// Closes the child's stdin (its cue to exit) and waits for it.
    func finish() {
        try? input.close()
        process.waitUntilExit()
    }
}

/// A benchmark that could not run, with the reason.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

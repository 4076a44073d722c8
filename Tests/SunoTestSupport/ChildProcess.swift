import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running child process (the exporter or the simulator binary) that a test starts and kills.
package final class ChildProcess {
    package let process = Process()
    package let logURL: URL

    package init(_ executable: String, _ arguments: [String], log: URL, environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        logURL = log
        try process.run()
    }

    package var isRunning: Bool { process.isRunning }

    /// SIGKILL: no chance to flush or clean up, as in a crash.
    package func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then wait for a graceful exit; returns the exit status.
    @discardableResult
    package func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    package var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    deinit { if process.isRunning { kill() } }
}

/// A loopback port that was free a moment ago (the kernel picks it).
package func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = unsafe inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = unsafe withUnsafeMutablePointer(to: &address) {
        unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe bind(fd, $0, length) }
    }
    _ = unsafe withUnsafeMutablePointer(to: &address) {
        unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// What a finished child process left behind.
package struct ProcessRun: Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

/// Runs `executable` to completion and waits for it without blocking a thread; it is terminated after
/// `timeout` seconds. Output goes through temporary files, so a chatty child can never block on a full pipe.
package func runProcess(
    _ executable: String, _ arguments: [String], stdin: String? = nil, timeout: Double = 60,
    environment: [String: String]? = nil
) async throws -> ProcessRun {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let outURL = scratch.url.appendingPathComponent("out")
    let errURL = scratch.url.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
            return
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            // Only the child started here, by its own handle.
            if process.isRunning { process.terminate() }
        }
    }
    return ProcessRun(
        status: status, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 connection over a plain socket, kept open between requests: what Prometheus does
/// when it scrapes (URLSession would choose its own connections, and decode gzip bodies).
///
/// Blocking socket calls run on a serial queue of their own, never on the cooperative pool; every
/// read and write is bounded by `timeout`.
package final class RawHTTPConnection: Sendable {
    package struct Reply: Sendable {
        package var status: Int
        /// Header names lower-cased, in order.
        package var headers: [(name: String, value: String)]
        package var body: [UInt8]

        package func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    private let fd: Int32

    package init(port: UInt16, timeout: Double = 60) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        unsafe setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        unsafe setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = unsafe inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = unsafe withUnsafePointer(to: &address) {
            unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            throw Failure(description: "connect: errno \(error)")
        }
    }

    package func close() { _ = Glibc.close(fd) }

    /// Sends one request and reads its answer (the server must send `Content-Length`).
    package func send(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) async throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + body
        let fd = self.fd
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "raw-http-connection").async {
                continuation.resume(with: Result { try Self.exchange(fd, request) })
            }
        }
    }

    private static func exchange(_ fd: Int32, _ request: [UInt8]) throws -> Reply {
        var sent = 0
        while sent < request.count {
            let written = unsafe request[sent...].withUnsafeBytes { unsafe Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var expected = Int.max
        while received.count < expected {
            let count = unsafe buffer.withUnsafeMutableBytes { unsafe recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure(description: "recv: \(count == 0 ? "closed" : "errno \(errno)")") }
            received.append(contentsOf: buffer[0..<count])
            if headerEnd == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                headerEnd = end
                let length = parseHead(received[..<end]).headers.first { $0.name == "content-length" }?.value
                expected = end + (length.flatMap { Int($0) } ?? 0)
            }
        }
        guard let headerEnd else { throw Failure(description: "no header end") }
        let head = parseHead(received[..<headerEnd])
        return Reply(status: head.status, headers: head.headers, body: Array(received[headerEnd..<expected]))
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) -> (status: Int, headers: [(name: String, value: String)])
    {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                line[..<colon].lowercased(),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        return (status, headers)
    }
}

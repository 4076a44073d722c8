import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One TCP connection to a loopback server driven byte by byte, for requests no HTTP client would send
/// (conflicting lengths, partial headers, NULs) and for holding connections open.
package final class RawConnection {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package private(set) var fd: Int32

    /// Connects to `127.0.0.1:port`, from `source` (another 127.x.y.z address, to look like a second client).
    package init(port: UInt16, source: String? = nil, receiveTimeout: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        unsafe setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        unsafe setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = unsafe inet_addr(source)
            let bound = unsafe withUnsafePointer(to: &local) {
                unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    unsafe bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                let error = errno
                close()
                throw Failure(description: "bind(\(source)) failed: errno \(error)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = unsafe inet_addr("127.0.0.1")
        let connected = unsafe withUnsafePointer(to: &address) {
            unsafe $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close()
            throw Failure(description: "connect() failed: errno \(error)")
        }
    }

    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    package func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = unsafe bytes[sent...].withUnsafeBytes {
                unsafe Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw Failure(description: "send() failed: errno \(errno)") }
            sent += n
        }
    }

    /// Everything the server sends until it closes the connection; throws when the receive timeout
    /// passes first (a server that leaves the connection hanging).
    package func readToEnd() throws -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = unsafe chunk.withUnsafeMutableBytes { unsafe recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw Failure(description: "no end of answer after \(received.count) bytes: the server left it hanging")
            }
            // A reset after the answer (unread request bytes) still ends it.
            if n < 0 && errno == ECONNRESET { break }
            guard n >= 0 else { throw Failure(description: "recv() failed: errno \(errno)") }
            if n == 0 { break }
            received.append(contentsOf: chunk[0..<n])
        }
        return received
    }

    package func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

/// The answers found in the bytes of one connection, in order (several when requests were pipelined).
package struct RawAnswers {
    package struct Answer {
        package var status: Int
        package var headers: [(name: String, value: String)]
        package var body: String

        package func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    package var answers: [Answer] = []
    /// Every byte, as text (for "this never appears" checks).
    package var text: String

    package init(_ bytes: [UInt8]) {
        text = String(decoding: bytes, as: UTF8.self)
        var rest = bytes[...]
        let separator = Array("\r\n\r\n".utf8)
        while let end = rest.indices.first(where: { rest[$0...].starts(with: separator) }) {
            let head = String(decoding: rest[rest.startIndex..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let parts = head[0].split(separator: " ")
            guard parts.count >= 2, let status = Int(parts[1]) else { break }
            let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (
                    line[..<colon].lowercased(),
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                )
            }
            var bodyStart = end + separator.count
            let length = headers.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
            // 1xx answers have no body.
            let bodyLength = (100..<200).contains(status) ? 0 : min(length, rest.endIndex - bodyStart)
            let body = String(decoding: rest[bodyStart..<(bodyStart + bodyLength)], as: UTF8.self)
            bodyStart += bodyLength
            answers.append(Answer(status: status, headers: headers, body: body))
            rest = rest[bodyStart...]
        }
    }

    package var statuses: [Int] { answers.map(\.status) }
}

/// Sends `request` on a new connection and reads until the server closes it.
package func rawExchange(port: UInt16, _ request: String, receiveTimeout: Int = 20) throws -> RawAnswers {
    try rawExchange(port: port, Array(request.utf8), receiveTimeout: receiveTimeout)
}

package func rawExchange(port: UInt16, _ request: [UInt8], receiveTimeout: Int = 20) throws -> RawAnswers {
    let connection = try RawConnection(port: port, receiveTimeout: receiveTimeout)
    defer { connection.close() }
    try connection.send(request)
    return RawAnswers(try connection.readToEnd())
}

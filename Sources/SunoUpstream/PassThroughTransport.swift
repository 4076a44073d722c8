import CCurl
import Foundation
import Synchronization

/// One request sent exactly as given: the submit proxy's forwarded request, or a quota query.
public struct PassThroughRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var method: Method
    public var url: String
    /// Complete header lines, "Name: value". "Name:" with nothing after the colon removes a header
    /// libcurl would otherwise add on its own (`Accept`, a form `Content-Type`, `Expect`).
    public var headers: [String]
    /// The POST body, byte for byte (ignored for GET).
    public var body: [UInt8]

    public init(method: Method, url: String, headers: [String], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A complete answer as received: status, every header of the final answer in order, the body as
/// sent (a compressed body stays compressed).
public struct PassThroughAnswer: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// How a pass-through transfer ended.
public enum PassThroughOutcome: Sendable {
    case answer(PassThroughAnswer)
    /// No complete answer within the timeout.
    case timeout
    /// The answer's body or headers grew past the transport's limit; the transfer was stopped.
    case tooLarge
    /// A short name of what broke (`CurlCodeName`); never a URL.
    case transport(String)
    /// Stopped because the caller was cancelled.
    case cancelled
}

/// HTTP through libcurl's easy interface without any interpretation: no content decoding, no
/// redirects, no headers of its own. The proxy needs the gateway's answer byte for byte; the quota
/// poller needs the status and the body of a small answer.
///
/// Kept apart from `CurlTransport` (the collector's client, which decodes gzip and keeps only the
/// headers it reads) so neither path's options leak into the other: each pooled handle here is only
/// ever configured by this file. Like `CurlTransport`, one idle handle is one keep-alive connection.
public final class PassThroughTransport: Sendable {
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    /// Header bytes accepted per answer, and header lines: answers beyond either are refused.
    static let maximumHeaderBytes = 64 * 1_024
    static let maximumHeaderLines = 100

    private let idle = Mutex<[PassThroughHandle]>([])
    private let keepIdle: Int
    /// Body bytes accepted per answer.
    public let bodyLimit: Int

    public init(maxIdleConnections: Int, maximumBodyBytes: Int) {
        keepIdle = max(1, maxIdleConnections)
        bodyLimit = max(0, maximumBodyBytes)
    }

    /// Performs the request on the calling thread, which it blocks until the answer, the timeout or a
    /// failure: for threads that may block (libmicrohttpd's connection threads), never the cooperative pool.
    public func performBlocking(_ request: PassThroughRequest, timeout: Duration) -> PassThroughOutcome {
        run(request, timeout: timeout, PassThroughReceiver(bodyLimit: bodyLimit))
    }

    /// Performs the request on a thread of its own, for async callers. Resumes with `.cancelled` as
    /// soon as the calling task is cancelled; the transfer stops at libcurl's next progress callback.
    public func perform(_ request: PassThroughRequest, timeout: Duration) async -> PassThroughOutcome {
        let receiver = PassThroughReceiver(bodyLimit: bodyLimit)
        let once = PassThroughOnce()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<PassThroughOutcome, Never>) in
                guard once.begin(continuation) else { return }
                // A serial queue of its own runs on libdispatch's overcommit pool (see CurlTransport).
                DispatchQueue(label: "suno-exporter.pass-through").async {
                    once.finish(self.run(request, timeout: timeout, receiver))
                }
            }
        } onCancel: {
            receiver.cancel()
            once.finish(.cancelled)
        }
    }

    private func run(_ request: PassThroughRequest, timeout: Duration, _ receiver: PassThroughReceiver)
        -> PassThroughOutcome
    {
        guard Self.globalInit, let handle = idle.withLock({ $0.popLast() }) ?? PassThroughHandle() else {
            return .transport("clientInitFailed")
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        // Clamped: converting a Double beyond Int's range would trap.
        let milliseconds = Int(min(max(1, (seconds * 1_000).rounded(.up)), Double(Int32.max)))
        let code = handle.perform(request, timeoutMilliseconds: milliseconds, receiver)
        let status = handle.responseCode
        idle.withLock { handles in
            if handles.count < keepIdle { handles.append(handle) }
        }
        switch code {
        case CURLE_OK: return .answer(receiver.answer(status: status))
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_ABORTED_BY_CALLBACK: return .cancelled
        case CURLE_WRITE_ERROR where receiver.isTooLarge: return .tooLarge
        default: return receiver.isTooLarge ? .tooLarge : .transport(CurlCodeName.name(of: code))
        }
    }
}

/// A libcurl easy handle of the pass-through transport.
///
/// `@unchecked Sendable` invariant: a handle is used by one thread at a time: it leaves the pool
/// (under its Mutex) for one `perform` and goes back after it.
@safe
private final class PassThroughHandle: @unchecked Sendable {
    private let raw: UnsafeMutableRawPointer

    init?() {
        guard let raw = unsafe curl_easy_init() else { return nil }
        unsafe self.raw = unsafe raw
    }

    deinit { unsafe curl_easy_cleanup(raw) }

    /// The environment's `no_proxy` plus loopback: a gateway or simulator on this machine is never
    /// behind a proxy (the same rule as the collector's client).
    static let noProxy: String = {
        let environment = ProcessInfo.processInfo.environment
        let configured = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        if configured.trimmingCharacters(in: .whitespaces) == "*" { return "*" }
        let hosts = configured.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return (hosts.filter { !$0.isEmpty } + ["localhost", "127.0.0.0/8", "::1"]).joined(separator: ",")
    }()

    var responseCode: Int { unsafe ccurl_response_code(raw) }

    func perform(_ request: PassThroughRequest, timeoutMilliseconds: Int, _ receiver: PassThroughReceiver)
        -> CURLcode
    {
        var headers: UnsafeMutablePointer<curl_slist>?
        for line in request.headers { unsafe headers = unsafe curl_slist_append(headers, line) }
        defer {
            unsafe ccurl_set_headers(raw, nil)
            unsafe curl_slist_free_all(headers)
            // A pooled handle keeps no pointer to a finished transfer; the callbacks treat NULL as none.
            unsafe ccurl_set_pointer(raw, CURLOPT_WRITEDATA, nil)
            unsafe ccurl_set_pointer(raw, CURLOPT_HEADERDATA, nil)
            unsafe ccurl_set_pointer(raw, CURLOPT_XFERINFODATA, nil)
        }
        unsafe ccurl_set_string(raw, CURLOPT_URL, request.url)
        unsafe ccurl_set_headers(raw, headers)
        unsafe ccurl_set_long(raw, CURLOPT_NOSIGNAL, 1)
        unsafe ccurl_set_long(raw, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        unsafe ccurl_set_long(raw, CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds)
        unsafe ccurl_set_long(raw, CURLOPT_FOLLOWLOCATION, 0)
        unsafe ccurl_set_string(raw, CURLOPT_NOPROXY, Self.noProxy)
        unsafe ccurl_set_long(raw, CURLOPT_PATH_AS_IS, 1)
        // The body exactly as it arrives: a gzip answer reaches the client still gzipped.
        unsafe ccurl_set_long(raw, CURLOPT_HTTP_CONTENT_DECODING, 0)
        let context = unsafe Unmanaged.passUnretained(receiver).toOpaque()
        unsafe ccurl_set_write_callback(raw, passThroughWriteBody, context)
        unsafe ccurl_set_header_callback(raw, passThroughReadHeader, context)
        unsafe ccurl_set_progress_callback(raw, passThroughProgress, context)
        switch request.method {
        case .get:
            unsafe ccurl_set_long(raw, CURLOPT_HTTPGET, 1)
            return unsafe curl_easy_perform(raw)
        case .post:
            // Never a NULL body: libcurl would then read the body from stdin.
            let body = request.body.isEmpty ? [0] : request.body
            return unsafe body.withUnsafeBytes { bytes in
                unsafe ccurl_set_post_body(raw, bytes.baseAddress, request.body.count)
                defer { unsafe ccurl_set_pointer(raw, CURLOPT_POSTFIELDS, nil) }
                return unsafe curl_easy_perform(raw)
            }
        }
    }
}

/// What one transfer received, filled by libcurl's callbacks on the performing thread.
private final class PassThroughReceiver: Sendable {
    private struct Received {
        var headers: [(name: String, value: String)] = []
        var headerBytes = 0
        var body: [UInt8] = []
        var tooLarge = false
    }

    private let received = Mutex(Received())
    private let cancelled = Atomic(false)
    private let bodyLimit: Int

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    var isTooLarge: Bool { received.withLock { $0.tooLarge } }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// False when the body would grow past the limit (the transfer then stops).
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        received.withLock { received in
            guard received.body.count + bytes.count <= bodyLimit else {
                received.tooLarge = true
                return false
            }
            unsafe received.body.append(contentsOf: bytes)
            return true
        }
    }

    /// One header line as received, CRLF included. False stops the transfer (too many header bytes).
    func readHeader(_ line: UnsafeRawBufferPointer) -> Bool {
        // A status line starts a new answer (after a 100 Continue or 103 Early Hints): only the final
        // answer's headers are kept.
        if unsafe line.starts(with: "HTTP/".utf8) {
            received.withLock { $0 = Received() }
            return true
        }
        return received.withLock { received in
            received.headerBytes += line.count
            guard received.headerBytes <= PassThroughTransport.maximumHeaderBytes,
                received.headers.count < PassThroughTransport.maximumHeaderLines
            else {
                received.tooLarge = true
                return false
            }
            // Folded continuation lines (obsolete) and the blank line that ends the headers carry nothing.
            guard let first = unsafe line.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t"),
                let colon = unsafe line.firstIndex(of: UInt8(ascii: ":")), colon > 0
            else { return true }
            // Optional whitespace around the value, and the line's CRLF, are not part of it (RFC 9110 §5.5).
            var start = colon + 1
            var end = line.count
            while start < end, unsafe line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") {
                start += 1
            }
            while end > start, unsafe [UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0D, 0x0A].contains(line[end - 1]) {
                end -= 1
            }
            let name = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self)
            let value = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
            received.headers.append((name, value))
            return true
        }
    }

    func answer(status: Int) -> PassThroughAnswer {
        received.withLock { PassThroughAnswer(status: status, headers: $0.headers, body: $0.body) }
    }
}

private func receiver(_ context: UnsafeMutableRawPointer?) -> PassThroughReceiver? {
    unsafe context.map { unsafe Unmanaged<PassThroughReceiver>.fromOpaque($0).takeUnretainedValue() }
}

/// CURLOPT_WRITEFUNCTION: returning less than given stops the transfer (CURLE_WRITE_ERROR).
private let passThroughWriteBody: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data = unsafe data, let receiver = unsafe receiver(context) else { return 0 }
    return unsafe receiver.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: one call per header line; less than given stops the transfer.
private let passThroughReadHeader: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data = unsafe data, let receiver = unsafe receiver(context) else { return 0 }
    return unsafe receiver.readHeader(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// CURLOPT_XFERINFOFUNCTION: non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
private let passThroughProgress: ccurl_progress_callback = { context, _, _, _, _ in
    unsafe receiver(context)?.isCancelled == true ? 1 : 0
}

/// Resumes a continuation exactly once, with the transfer's outcome or a cancellation, whichever
/// comes first (a cancellation may even arrive before the continuation exists).
private final class PassThroughOnce: Sendable {
    private struct State {
        var continuation: CheckedContinuation<PassThroughOutcome, Never>?
        var early: PassThroughOutcome?
        var done = false
    }

    private let state = Mutex(State())

    /// False when the outcome was already decided: the continuation is resumed with it.
    func begin(_ continuation: CheckedContinuation<PassThroughOutcome, Never>) -> Bool {
        let early: PassThroughOutcome? = state.withLock { state in
            guard let early = state.early else {
                state.continuation = continuation
                return nil
            }
            state.done = true
            return early
        }
        guard let early else { return true }
        continuation.resume(returning: early)
        return false
    }

    func finish(_ outcome: PassThroughOutcome) {
        let continuation: CheckedContinuation<PassThroughOutcome, Never>? = state.withLock { state in
            guard !state.done else { return nil }
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = outcome }
                return nil
            }
            state.done = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: outcome)
    }
}

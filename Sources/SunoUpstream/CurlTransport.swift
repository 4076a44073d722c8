import CCurl
import Foundation
import Synchronization

/// One HTTP request of the gateway client.
struct HTTPExchange: Sendable {
    enum Method: Sendable { case get, post }

    var method: Method
    var url: String
    /// Complete header lines, "Name: value".
    var headers: [String]
    /// The POST body (ignored for GET).
    var body: [UInt8] = []
}

/// HTTP through libcurl's easy interface: the upstream adapter's only unsafe code.
///
/// Why not URLSession: on Linux it drives libcurl's multi interface through Dispatch sources and
/// hops threads for every chunk; measured here, a 160 kB batch answer cost about 0.5 ms of CPU in
/// URLSession against 0.06 ms with a reused easy handle (NOTES in README, Benchmarks). An easy
/// handle also keeps its connection alive between requests and times out to the millisecond.
///
/// Each request blocks one thread of a serial queue of its own (never the cooperative pool) in
/// `curl_easy_perform`, with a handle taken from a small pool: one handle is one keep-alive
/// connection, so the pool keeps at most `maxConnections` of them between requests.
final class CurlTransport: Sendable {
    /// Larger answers (decoded size) are cut off and reported as `too_large`: a 100-task batch is about
    /// 160 kB, and even with long lyrics in every clip a few MB. 16 MiB leaves room for that and bounds
    /// what one transfer can hold (a gzip bomb of 1 MiB inflates to 1 GiB).
    static let maximumBodyBytes = 16 << 20

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    private let idle = Mutex<[EasyHandle]>([])
    private let keepIdle: Int
    /// The decoded body size above which an answer is refused (`maximumBodyBytes`; lower in tests).
    let bodyLimit: Int

    init(maxConnections: Int, maximumBodyBytes: Int = CurlTransport.maximumBodyBytes) {
        keepIdle = max(1, maxConnections)
        bodyLimit = max(0, maximumBodyBytes)
    }

    /// Performs the exchange, bounded by `timeout` (connect, send and answer together). Resumes at
    /// once with `.cancelled` when the calling task is cancelled; the transfer itself stops at
    /// curl's next progress callback, on its own thread.
    func perform(_ exchange: HTTPExchange, timeout: Duration) async -> AttemptOutcome {
        let transfer = CurlTransfer(bodyLimit: bodyLimit)
        let once = OutcomeOnce()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<AttemptOutcome, Never>) in
                guard once.begin(continuation) else { return }
                // A new serial queue per transfer, not one shared concurrent queue: on Linux a private
                // concurrent queue draws from the same width-limited thread pool (one thread per core)
                // as Swift's global executor, so transfers blocked in curl_easy_perform starved every
                // task and further transfers waited for the pool to grow by one thread a second
                // (measured: 6 concurrent 3 s answers took 6 s on 2 cores). Serial queues run on
                // libdispatch's overcommit pool, which starts a thread whenever none is idle.
                DispatchQueue(label: "suno-exporter.gateway-http").async {
                    once.finish(self.run(exchange, timeout: timeout, transfer))
                }
            }
        } onCancel: {
            transfer.cancel()
            once.finish(.cancelled)
        }
    }

    /// Blocking: runs on the transfer's own queue.
    private func run(_ exchange: HTTPExchange, timeout: Duration, _ transfer: CurlTransfer) -> AttemptOutcome {
        guard Self.globalInit, let handle = idle.withLock({ $0.popLast() }) ?? EasyHandle() else {
            return .transport("clientInitFailed")
        }
        // Clamped: converting a Double beyond Int's range would trap (about 24 days is plenty).
        let milliseconds = Int(min(max(1, (timeout.timeInterval * 1_000).rounded(.up)), Double(Int32.max)))
        let code = handle.perform(exchange, timeoutMilliseconds: milliseconds, transfer)
        let status = handle.responseCode
        idle.withLock { handles in
            if handles.count < keepIdle { handles.append(handle) }
        }
        switch code {
        case CURLE_OK:
            return .answer(transfer.answer(status: status))
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_WRITE_ERROR where transfer.isTooLarge, CURLE_FILESIZE_EXCEEDED:
            return .tooLarge(limit: bodyLimit)
        default:
            return .transport(CurlCodeName.name(of: code))
        }
    }
}

/// A libcurl easy handle: one connection kept alive between the requests it performs.
///
/// `@unchecked Sendable` invariant: a handle is used by one thread at a time: it leaves the pool
/// (under its Mutex) for one `perform` and goes back after it.
@safe
private final class EasyHandle: @unchecked Sendable {
    private let raw: UnsafeMutableRawPointer

    init?() {
        guard let raw = unsafe curl_easy_init() else { return nil }
        unsafe self.raw = unsafe raw
    }

    deinit { unsafe curl_easy_cleanup(raw) }

    /// Hosts reached without a proxy: the environment's `no_proxy` (libcurl reads `http_proxy`,
    /// `https_proxy` and `all_proxy` itself) plus loopback, which libcurl would otherwise send to
    /// the proxy too: a simulator or a gateway on this machine is never behind one.
    static let noProxy: String = {
        let environment = ProcessInfo.processInfo.environment
        let configured = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        if configured.trimmingCharacters(in: .whitespaces) == "*" { return "*" }
        let hosts = configured.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return (hosts.filter { !$0.isEmpty } + ["localhost", "127.0.0.0/8", "::1"]).joined(separator: ",")
    }()

    var responseCode: Int { unsafe ccurl_response_code(raw) }

    func perform(_ exchange: HTTPExchange, timeoutMilliseconds: Int, _ transfer: CurlTransfer) -> CURLcode {
        var headers: UnsafeMutablePointer<curl_slist>?
        for line in exchange.headers { unsafe headers = unsafe curl_slist_append(headers, line) }
        defer {
            unsafe ccurl_set_headers(raw, nil)
            unsafe curl_slist_free_all(headers)
            // The pooled handle must not keep pointers to this transfer once it is gone: the
            // callbacks treat a NULL context as "no transfer".
            unsafe ccurl_set_pointer(raw, CURLOPT_WRITEDATA, nil)
            unsafe ccurl_set_pointer(raw, CURLOPT_HEADERDATA, nil)
            unsafe ccurl_set_pointer(raw, CURLOPT_XFERINFODATA, nil)
        }
        // Strings set here are copied by libcurl; only the POST body is borrowed for the call.
        unsafe ccurl_set_string(raw, CURLOPT_URL, exchange.url)
        unsafe ccurl_set_headers(raw, headers)
        unsafe ccurl_set_long(raw, CURLOPT_NOSIGNAL, 1)
        unsafe ccurl_set_long(raw, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        unsafe ccurl_set_long(raw, CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds)
        unsafe ccurl_set_long(raw, CURLOPT_FOLLOWLOCATION, 0)
        unsafe ccurl_set_string(raw, CURLOPT_NOPROXY, Self.noProxy)
        // The path as built: libcurl would otherwise squash "/." and "/.." segments, so a task id
        // of ".." (ids are opaque, COMETAPI.md §10) would ask for "/suno/" instead.
        unsafe ccurl_set_long(raw, CURLOPT_PATH_AS_IS, 1)
        // Every encoding libcurl can decode is offered (gzip shrinks a batch answer about 10×). libcurl
        // inflates as the bytes arrive, in pieces of at most 16 kB handed to curlWriteBody, which stops
        // the transfer as soon as the decoded size passes the limit: a bomb is never inflated further.
        unsafe ccurl_set_string(raw, CURLOPT_ACCEPT_ENCODING, "")
        // An announced Content-Length above the limit is refused before its first byte.
        unsafe ccurl_set_long(raw, CURLOPT_MAXFILESIZE, transfer.bodyLimit)
        unsafe ccurl_set_long(raw, CURLOPT_BUFFERSIZE, 256 * 1_024)
        let context = unsafe Unmanaged.passUnretained(transfer).toOpaque()
        unsafe ccurl_set_write_callback(raw, curlWriteBody, context)
        unsafe ccurl_set_header_callback(raw, curlReadHeader, context)
        unsafe ccurl_set_progress_callback(raw, curlProgress, context)
        switch exchange.method {
        case .get:
            unsafe ccurl_set_long(raw, CURLOPT_HTTPGET, 1)
            return unsafe curl_easy_perform(raw)
        case .post:
            // Never a NULL body: libcurl would then read the body from stdin.
            let body = exchange.body.isEmpty ? [0] : exchange.body
            return unsafe body.withUnsafeBytes { bytes in
                unsafe ccurl_set_post_body(raw, bytes.baseAddress, exchange.body.count)
                defer { unsafe ccurl_set_pointer(raw, CURLOPT_POSTFIELDS, nil) }
                return unsafe curl_easy_perform(raw)
            }
        }
    }
}

/// What one transfer received, filled by libcurl's callbacks on the performing thread.
private final class CurlTransfer: Sendable {
    private struct Received {
        var body: [UInt8] = []
        var retryAfter: String?
        var date: String?
        var tooLarge = false
    }

    private let received = Mutex(Received())
    private let cancelled = Atomic(false)
    let bodyLimit: Int

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    var isTooLarge: Bool { received.withLock { $0.tooLarge } }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Bodies up to this size grow by doubling; a larger one gets the whole limit reserved at once.
    static let growthStep = 1 << 20

    /// False when the body would grow past the limit (the transfer then stops, and the body is dropped).
    ///
    /// Growth is planned so that memory stays near the bytes received: doubling up to 1 MiB, then one
    /// reservation of the whole limit. Doubling all the way would hold the old and the new buffer at
    /// once (up to 1.5 times the limit), and each retry would do it again; a reservation is only address
    /// space until bytes are written to it.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        received.withLock { received in
            let needed = received.body.count + bytes.count
            guard needed <= bodyLimit else {
                received.tooLarge = true
                received.body = []
                return false
            }
            if needed > received.body.capacity, needed > Self.growthStep {
                received.body.reserveCapacity(bodyLimit)
            }
            unsafe received.body.append(contentsOf: bytes)
            return true
        }
    }

    /// One header line as received, CRLF included.
    func readHeader(_ line: UnsafeRawBufferPointer) {
        // A status line starts a new answer (after a 100 Continue, a 103 Early Hints, a proxy's
        // CONNECT answer): forget the previous one's headers. Checked before looking for a colon,
        // which a reason phrase may hold ("HTTP/1.1 503 Busy: retry later").
        if unsafe line.starts(with: "HTTP/".utf8) {
            received.withLock { $0 = Received() }
            return
        }
        guard let colon = unsafe line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self).lowercased()
        guard name == "retry-after" || name == "date" || name == "content-length" else { return }
        let value = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        received.withLock { received in
            switch name {
            case "retry-after": received.retryAfter = value
            case "date": received.date = value
            default:
                // Sized once for the announced body instead of growing as it arrives; at most 4 MiB
                // up front, so a header alone cannot make the client reserve the whole limit.
                if let length = Int(value), length > 0, length <= bodyLimit {
                    received.body.reserveCapacity(min(length, 4 << 20))
                }
            }
        }
    }

    func answer(status: Int) -> GatewayAnswer {
        received.withLock { received in
            GatewayAnswer(status: status, body: received.body, retryAfter: received.retryAfter, date: received.date)
        }
    }
}

private func transfer(_ context: UnsafeMutableRawPointer?) -> CurlTransfer? {
    unsafe context.map { unsafe Unmanaged<CurlTransfer>.fromOpaque($0).takeUnretainedValue() }
}

/// CURLOPT_WRITEFUNCTION: returning less than given stops the transfer (CURLE_WRITE_ERROR).
private let curlWriteBody: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data = unsafe data, let transfer = unsafe transfer(context) else { return 0 }
    return unsafe transfer.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: one call per header line.
private let curlReadHeader: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data = unsafe data, let transfer = unsafe transfer(context) else { return 0 }
    unsafe transfer.readHeader(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// CURLOPT_XFERINFOFUNCTION: non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
private let curlProgress: ccurl_progress_callback = { context, _, _, _, _ in
    unsafe transfer(context)?.isCancelled == true ? 1 : 0
}

/// Resumes a continuation exactly once, with whichever outcome comes first: the transfer's or a
/// cancellation (which may even arrive before the continuation exists).
private final class OutcomeOnce: Sendable {
    private struct State {
        var continuation: CheckedContinuation<AttemptOutcome, Never>?
        var early: AttemptOutcome?
        var done = false
    }

    private let state = Mutex(State())

    /// False when the outcome was already decided: the continuation is resumed with it.
    func begin(_ continuation: CheckedContinuation<AttemptOutcome, Never>) -> Bool {
        let early: AttemptOutcome? = state.withLock { state in
            if let early = state.early {
                state.done = true
                return early
            }
            state.continuation = continuation
            return nil
        }
        guard let early else { return true }
        continuation.resume(returning: early)
        return false
    }

    func finish(_ outcome: AttemptOutcome) {
        let continuation: CheckedContinuation<AttemptOutcome, Never>? = state.withLock { state in
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

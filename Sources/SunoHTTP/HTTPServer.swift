import CMicroHTTPD
import Synchronization

/// How the daemon listens and what it tolerates.
public struct HTTPServerOptions: Sendable {
    /// An IPv4 or IPv6 literal; empty for every IPv4 address.
    public var host: String
    /// 0 picks a free port (see `HTTPServer.start()`'s result).
    public var port: UInt16
    /// Worker threads of the pool; ignored with `threadPerConnection`.
    public var threadPoolSize: Int
    /// One thread per connection: for handlers that may block for long (the simulator's slow answers).
    public var threadPerConnection: Bool
    /// Concurrent connections accepted; lowered at start when the open-files limit cannot hold them.
    public var connectionLimit: Int
    /// Concurrent connections from one client address; nil: half of `connectionLimit`, so that one
    /// address holding idle connections leaves room for everyone else (a scraper, a health check).
    public var connectionsPerAddress: Int?
    /// Idle connections are closed after this many seconds.
    public var connectionTimeoutSeconds: Int
    /// A new connection that has not sent a complete request header after this many idle seconds is
    /// closed (slow or silent clients); nil: the smaller of 10 s and `connectionTimeoutSeconds`.
    public var headerTimeoutSeconds: Int?
    /// Request bodies above this are answered 413 without being kept.
    public var maxBodyBytes: Int

    public init(
        host: String = "127.0.0.1", port: UInt16 = 0, threadPoolSize: Int = 2, threadPerConnection: Bool = false,
        connectionLimit: Int = 256, connectionsPerAddress: Int? = nil, connectionTimeoutSeconds: Int = 30,
        headerTimeoutSeconds: Int? = nil, maxBodyBytes: Int = 1 << 20
    ) {
        self.host = host
        self.port = port
        self.threadPoolSize = threadPoolSize
        self.threadPerConnection = threadPerConnection
        self.connectionLimit = connectionLimit
        self.connectionsPerAddress = connectionsPerAddress
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.maxBodyBytes = maxBodyBytes
    }

    /// Seconds a new connection may stay silent before its request header is complete.
    var effectiveHeaderTimeout: Int {
        max(1, min(headerTimeoutSeconds ?? 10, connectionTimeoutSeconds))
    }
}

/// Why the daemon did not start.
public struct HTTPServerError: Error, CustomStringConvertible {
    public let description: String
}

/// A libmicrohttpd daemon that hands complete requests to a synchronous Swift handler.
///
/// Every pointer, `Unmanaged` and MHD call of the project lives in this file.
/// The handler runs on MHD's threads: it must not block on async work.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    private let options: HTTPServerOptions
    private let context: ServerContext
    /// The `MHD_Daemon*` as a bit pattern (0 when stopped); a Mutex keeps the class Sendable.
    private let daemon = Mutex<UInt>(0)
    private let limits = Mutex<(total: Int, perAddress: Int)?>(nil)

    public init(options: HTTPServerOptions, handler: @escaping Handler) {
        self.options = options
        self.context = ServerContext(
            handler: handler, maxBodyBytes: options.maxBodyBytes,
            connectionTimeoutSeconds: options.connectionTimeoutSeconds)
    }

    deinit { stop() }

    /// Binds and starts serving; returns the bound port.
    @discardableResult
    public func start() throws -> UInt16 {
        try daemon.withLock { handle in
            if handle != 0 { return unsafe cmhd_bound_port(OpaquePointer(bitPattern: handle)) }
            let connectionLimit = OpenFilesLimit.connectionsThatFit(options.connectionLimit)
            let perAddress = max(1, min(options.connectionsPerAddress ?? connectionLimit / 2, connectionLimit))
            var flags = MHD_USE_ERROR_LOG.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue
            var items: [MHD_OptionItem] = unsafe []
            if options.threadPerConnection {
                flags |= MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_POLL.rawValue
            } else {
                // poll(), not epoll: MHD 0.9.75 registers sockets with epoll edge-triggered and stops reading
                // after a short read, so a client that sent part of a header and closed while waiting to be
                // accepted never signals its close again. Such connections sat in CLOSE-WAIT, each holding a
                // connection slot until its timeout. poll() is level-triggered and sees the close at once.
                flags |= MHD_USE_POLL.rawValue
                unsafe items.append(
                    MHD_OptionItem(option: .THREAD_POOL_SIZE, value: max(1, options.threadPoolSize), ptr_value: nil))
            }
            unsafe items.append(MHD_OptionItem(option: .CONNECTION_LIMIT, value: connectionLimit, ptr_value: nil))
            unsafe items.append(MHD_OptionItem(option: .PER_IP_CONNECTION_LIMIT, value: perAddress, ptr_value: nil))
            unsafe items.append(
                MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: options.connectionTimeoutSeconds, ptr_value: nil))
            unsafe items.append(MHD_OptionItem(option: .LISTENING_ADDRESS_REUSE, value: 1, ptr_value: nil))
            // Two-pointer options: the callback goes in `value`, its closure in `ptr_value`.
            unsafe items.append(
                MHD_OptionItem(
                    option: .NOTIFY_COMPLETED,
                    value: unsafeBitCast(requestCompleted as MHD_RequestCompletedCallback, to: Int.self),
                    ptr_value: nil))
            unsafe items.append(
                MHD_OptionItem(
                    option: .NOTIFY_CONNECTION, value: cmhd_notify_connection_callback(),
                    ptr_value: UnsafeMutableRawPointer(bitPattern: UInt(options.effectiveHeaderTimeout))))
            unsafe items.append(
                MHD_OptionItem(option: .UNESCAPE_CALLBACK, value: cmhd_keep_escapes_callback(), ptr_value: nil))
            unsafe items.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            let cls = unsafe Unmanaged.passUnretained(context).toOpaque()
            let started = unsafe items.withUnsafeBufferPointer { buffer in
                unsafe options.host.withCString { host in
                    unsafe cmhd_start_daemon(
                        UInt32(flags), options.host.isEmpty ? nil : host, options.port, accessHandler, cls,
                        buffer.baseAddress)
                }
            }
            guard let started = unsafe started else {
                throw HTTPServerError(
                    description: "cannot listen on \(options.host.isEmpty ? "*" : options.host):\(options.port) "
                        + "(address in use, not a literal IP address, or not permitted)")
            }
            handle = unsafe UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(started)))
            limits.withLock { $0 = (connectionLimit, perAddress) }
            return unsafe cmhd_bound_port(started)
        }
    }

    /// The connection limits in force since `start()` (total, per client address); nil before.
    public var connectionLimits: (total: Int, perAddress: Int)? {
        limits.withLock { $0 }
    }

    /// The bound port, or nil when stopped.
    public var boundPort: UInt16? {
        daemon.withLock { handle in unsafe handle == 0 ? nil : cmhd_bound_port(OpaquePointer(bitPattern: handle)) }
    }

    /// Stops accepting, finishes in-flight handlers and joins MHD's threads. Idempotent.
    public func stop() {
        let handle = daemon.withLock { handle in
            defer { handle = 0 }
            return handle
        }
        if handle != 0, let pointer = unsafe OpaquePointer(bitPattern: handle) {
            unsafe MHD_stop_daemon(pointer)
        }
    }
}

/// What the C callbacks reach through `cls`. Owned by the server, which outlives the daemon:
/// `MHD_stop_daemon` joins every MHD thread before the server (and so this) can be released.
private final class ServerContext: Sendable {
    let handler: HTTPServer.Handler
    let maxBodyBytes: Int
    let connectionTimeoutSeconds: UInt32
    init(handler: @escaping HTTPServer.Handler, maxBodyBytes: Int, connectionTimeoutSeconds: Int) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
        self.connectionTimeoutSeconds = UInt32(clamping: connectionTimeoutSeconds)
    }
}

/// Per-request state, made when the head is complete. Only the one MHD thread serving a connection touches it.
private final class RequestState {
    let request: HTTPRequest
    var body: [UInt8] = []
    /// Body bytes received past the limit and dropped.
    var discarded = 0
    init(request: HTTPRequest) {
        self.request = request
    }
}

private func accessHandler(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?, conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls = unsafe cls, let connection = unsafe connection, let conCls = unsafe conCls,
        let uploadDataSize = unsafe uploadDataSize
    else { return .NO }
    let context = unsafe Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    // First call: the head is complete and no body byte has been read (MHD sends 100 Continue only after
    // this call returns without a response). A refusal answered here closes the connection.
    guard let statePointer = unsafe conCls.pointee else {
        // The header arrived: from now on the connection gets the normal idle timeout.
        unsafe cmhd_set_connection_timeout(connection, context.connectionTimeoutSeconds)
        switch unsafe readHead(connection, url: url, method: method, version: version, context: context) {
        case .success(let request):
            unsafe conCls.pointee = unsafe Unmanaged.passRetained(RequestState(request: request)).toOpaque()
            return .YES
        case .failure(let refusal):
            return unsafe queue(refusal.closingResponse, on: connection)
        }
    }
    let state = unsafe Unmanaged<RequestState>.fromOpaque(statePointer).takeUnretainedValue()
    let size = unsafe uploadDataSize.pointee
    if size > 0 {
        if state.discarded == 0, state.body.count + size <= context.maxBodyBytes, let uploadData = unsafe uploadData {
            unsafe uploadData.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
                unsafe state.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            }
        } else {
            // Only a chunked body gets here (a Content-Length above the limit was refused up front). It is
            // drained up to twice the limit so that the client can read its 413; past that the connection
            // is dropped rather than read forever.
            state.discarded += state.body.count + size
            state.body = []
            if state.discarded > 2 * context.maxBodyBytes { return .NO }
        }
        unsafe uploadDataSize.pointee = 0
        return .YES
    }
    let response: HTTPResponse
    if state.discarded > 0 {
        response =
            RequestFraming.Refusal(
                status: 413, message: "request body larger than \(context.maxBodyBytes) bytes"
            ).closingResponse
    } else {
        var request = state.request
        request.body = state.body
        response = context.handler(request)
    }
    return unsafe queue(response, on: connection)
}

/// The request as the handler will see it (without its body), or why its head is refused.
private func readHead(
    _ connection: OpaquePointer, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?,
    version: UnsafePointer<CChar>?, context: ServerContext
) -> Result<HTTPRequest, RequestFraming.Refusal> {
    guard let headers = unsafe collectValues(connection, .HEADER_KIND),
        let query = unsafe collectValues(connection, .GET_ARGUMENT_KIND)
    else {
        return .failure(.init(status: 503, message: "out of memory reading the request"))
    }
    let headerPairs = headers.map { (name: $0.name.lowercased(), value: $0.value) }
    let versionText = unsafe version.map { unsafe String(cString: $0) } ?? "HTTP/1.1"
    if let refusal = RequestFraming.refusal(
        version: versionText, headers: headerPairs, maxBodyBytes: context.maxBodyBytes)
    {
        return .failure(refusal)
    }
    // The path and the arguments still hold their %XX escapes (see cmhd_keep_escapes).
    let rawPath =
        unsafe (url.map { unsafe UnsafeRawBufferPointer(start: $0, count: strlen($0)) }
        ?? UnsafeRawBufferPointer(start: nil, count: 0))
    let path: String
    switch unsafe PercentDecoding.decode(rawPath.isEmpty ? Array("/".utf8) : Array(rawPath)) {
    case .success(let decoded): path = decoded
    case .failure(let failure): return .failure(.init(status: 400, message: "request path refused: \(failure)"))
    }
    var arguments: [(name: String, value: String)] = []
    for argument in query {
        switch (PercentDecoding.decode(argument.nameBytes), PercentDecoding.decode(argument.valueBytes)) {
        case (.success(let name), .success(let value)): arguments.append((name, value))
        case (.failure(let failure), _), (_, .failure(let failure)):
            return .failure(.init(status: 400, message: "query argument refused: \(failure)"))
        }
    }
    return unsafe .success(
        HTTPRequest(
            method: method.map { unsafe String(cString: $0) } ?? "GET", path: path, query: arguments,
            headers: headerPairs,
            isFromLoopback: unsafe cmhd_client_is_loopback(connection) == 1))
}

extension RequestFraming.Refusal {
    /// A JSON error answer that closes the connection: after a refused head, the bytes that follow on
    /// the connection cannot be trusted to start a new request.
    var closingResponse: HTTPResponse {
        HTTPResponse(
            status: status, contentType: "application/json", text: "{\"error\":\(jsonQuoted(message))}\n",
            headers: [("Connection", "close")])
    }
}

/// `text` as a JSON string literal (messages here are ASCII, but quotes and backslashes are escaped).
private func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where !scalar.isPrintableASCII: out += "?"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Releases the per-request state, also for aborted uploads.
private func requestCompleted(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    code: MHD_RequestTerminationCode
) {
    guard let conCls = unsafe conCls, let statePointer = unsafe conCls.pointee else { return }
    unsafe Unmanaged<RequestState>.fromOpaque(statePointer).release()
    unsafe conCls.pointee = nil
}

/// Releases the `SharedBytes` a response was built on, once MHD no longer needs them.
private func releaseSharedBytes(_ cls: UnsafeMutableRawPointer?) {
    guard let cls = unsafe cls else { return }
    unsafe Unmanaged<SharedBytes>.fromOpaque(cls).release()
}

private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    let mhdResponse: OpaquePointer?
    switch response.body {
    case .empty:
        unsafe mhdResponse = unsafe MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)
    case .bytes(var bytes):
        unsafe mhdResponse = unsafe bytes.withUnsafeMutableBytes { raw in
            unsafe MHD_create_response_from_buffer(raw.count, raw.baseAddress, .RESPMEM_MUST_COPY)
        }
    case .shared(let shared):
        // Zero copy: MHD reads the snapshot in place; a retain keeps it alive until the free callback.
        let retained = unsafe Unmanaged.passRetained(shared).toOpaque()
        unsafe mhdResponse = unsafe MHD_create_response_from_buffer_with_free_callback_cls(
            shared.count, UnsafeMutableRawPointer(mutating: shared.baseAddress), releaseSharedBytes, retained)
        if unsafe mhdResponse == nil { unsafe Unmanaged<SharedBytes>.fromOpaque(retained).release() }
    }
    guard let mhdResponse = unsafe mhdResponse else { return .NO }
    defer { unsafe MHD_destroy_response(mhdResponse) }
    for (name, value) in response.headers {
        _ = unsafe MHD_add_response_header(mhdResponse, name, value)
    }
    return unsafe MHD_queue_response(connection, UInt32(response.status), mhdResponse)
}

/// One header or query argument as MHD stored it: exact bytes, a NUL inside included.
private struct RawValue {
    var nameBytes: [UInt8]
    var valueBytes: [UInt8]
    /// Header text; invalid UTF-8 becomes U+FFFD (header values are compared, never used as keys).
    var name: String { String(decoding: nameBytes, as: UTF8.self) }
    var value: String { String(decoding: valueBytes, as: UTF8.self) }
}

/// Every value of `kind`, in arrival order; nil when MHD's values could not be copied (out of memory).
private func collectValues(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [RawValue]? {
    var raw: UnsafeMutablePointer<CChar>?
    let length = unsafe cmhd_collect_values(connection, kind, &raw)
    guard length >= 0 else { return nil }  // SIZE_MAX: out of memory
    guard let raw = unsafe raw else { return [] }
    defer { unsafe free(raw) }
    let buffer = unsafe UnsafeRawBufferPointer(start: raw, count: length)
    var values: [RawValue] = []
    var offset = 0
    func field() -> [UInt8] {
        let size = unsafe buffer.loadUnaligned(fromByteOffset: offset, as: Int.self)
        offset += MemoryLayout<Int>.size
        defer { offset += size }
        return unsafe Array(buffer[offset..<(offset + size)])
    }
    while offset < length {
        let name = field()
        let value = field()
        values.append(RawValue(nameBytes: name, valueBytes: value))
    }
    return values
}

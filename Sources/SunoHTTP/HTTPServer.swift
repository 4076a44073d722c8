import CMicroHTTPD
import Synchronization

/// How the daemon listens and what it tolerates.
public struct HTTPServerOptions: Sendable {
    /// An IPv4 or IPv6 literal; empty for every IPv4 address.
    public var host: String
    /// 0 picks a free port (see `HTTPServer.start()`'s result).
    public var port: UInt16
    /// Worker threads of the epoll pool; ignored with `threadPerConnection`.
    public var threadPoolSize: Int
    /// One thread per connection: for handlers that may block for long (the simulator's slow answers).
    public var threadPerConnection: Bool
    /// Concurrent connections accepted; more are refused by MHD.
    public var connectionLimit: Int
    /// Idle connections are closed after this many seconds.
    public var connectionTimeoutSeconds: Int
    /// Request bodies above this are answered 413 without being kept.
    public var maxBodyBytes: Int

    public init(
        host: String = "127.0.0.1", port: UInt16 = 0, threadPoolSize: Int = 2, threadPerConnection: Bool = false,
        connectionLimit: Int = 256, connectionTimeoutSeconds: Int = 30, maxBodyBytes: Int = 1 << 20
    ) {
        self.host = host
        self.port = port
        self.threadPoolSize = threadPoolSize
        self.threadPerConnection = threadPerConnection
        self.connectionLimit = connectionLimit
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.maxBodyBytes = maxBodyBytes
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

    public init(options: HTTPServerOptions, handler: @escaping Handler) {
        self.options = options
        self.context = ServerContext(handler: handler, maxBodyBytes: options.maxBodyBytes)
    }

    deinit { stop() }

    /// Binds and starts serving; returns the bound port.
    @discardableResult
    public func start() throws -> UInt16 {
        try daemon.withLock { handle in
            if handle != 0 { return cmhd_bound_port(OpaquePointer(bitPattern: handle)) }
            var flags = MHD_USE_ERROR_LOG.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue
            var items: [MHD_OptionItem] = []
            if options.threadPerConnection {
                flags |= MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_POLL.rawValue
            } else {
                flags |= MHD_USE_EPOLL.rawValue
                items.append(
                    MHD_OptionItem(option: .THREAD_POOL_SIZE, value: max(1, options.threadPoolSize), ptr_value: nil))
            }
            items.append(MHD_OptionItem(option: .CONNECTION_LIMIT, value: options.connectionLimit, ptr_value: nil))
            items.append(
                MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: options.connectionTimeoutSeconds, ptr_value: nil))
            items.append(MHD_OptionItem(option: .LISTENING_ADDRESS_REUSE, value: 1, ptr_value: nil))
            // NOTIFY_COMPLETED takes two pointers: the callback goes in `value`, its closure in `ptr_value`.
            items.append(
                MHD_OptionItem(
                    option: .NOTIFY_COMPLETED,
                    value: unsafeBitCast(requestCompleted as MHD_RequestCompletedCallback, to: Int.self),
                    ptr_value: nil))
            items.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            let cls = Unmanaged.passUnretained(context).toOpaque()
            let started = items.withUnsafeBufferPointer { buffer in
                options.host.withCString { host in
                    cmhd_start_daemon(
                        UInt32(flags), options.host.isEmpty ? nil : host, options.port, accessHandler, cls,
                        buffer.baseAddress)
                }
            }
            guard let started else {
                throw HTTPServerError(
                    description: "cannot listen on \(options.host.isEmpty ? "*" : options.host):\(options.port) "
                        + "(address in use, not a literal IP address, or not permitted)")
            }
            handle = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(started)))
            return cmhd_bound_port(started)
        }
    }

    /// The bound port, or nil when stopped.
    public var boundPort: UInt16? {
        daemon.withLock { handle in handle == 0 ? nil : cmhd_bound_port(OpaquePointer(bitPattern: handle)) }
    }

    /// Stops accepting, finishes in-flight handlers and joins MHD's threads. Idempotent.
    public func stop() {
        let handle = daemon.withLock { handle in
            defer { handle = 0 }
            return handle
        }
        if handle != 0, let pointer = OpaquePointer(bitPattern: handle) {
            MHD_stop_daemon(pointer)
        }
    }
}

/// What the C callbacks reach through `cls`. Owned by the server, which outlives the daemon:
/// `MHD_stop_daemon` joins every MHD thread before the server (and so this) can be released.
private final class ServerContext: Sendable {
    let handler: HTTPServer.Handler
    let maxBodyBytes: Int
    init(handler: @escaping HTTPServer.Handler, maxBodyBytes: Int) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Per-request upload state. Only the one MHD thread serving a connection touches it.
private final class RequestState {
    var body: [UInt8] = []
    var tooLarge = false
}

private func accessHandler(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?, conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let conCls, let uploadDataSize else { return .NO }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    // First call for a request: attach state and wait for the body (MHD sends 100-continue itself).
    guard let statePointer = conCls.pointee else {
        conCls.pointee = Unmanaged.passRetained(RequestState()).toOpaque()
        return .YES
    }
    let state = Unmanaged<RequestState>.fromOpaque(statePointer).takeUnretainedValue()
    let size = uploadDataSize.pointee
    if size > 0 {
        if !state.tooLarge, let uploadData {
            if state.body.count + size > context.maxBodyBytes {
                state.tooLarge = true
                state.body = []
            } else {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
                    state.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
                }
            }
        }
        uploadDataSize.pointee = 0
        return .YES
    }
    let response: HTTPResponse
    if state.tooLarge {
        response = HTTPResponse(
            status: 413, contentType: "application/json",
            text: "{\"error\":\"request body larger than \(context.maxBodyBytes) bytes\"}")
    } else {
        let request = HTTPRequest(
            method: method.map { String(cString: $0) } ?? "GET",
            path: url.map { String(cString: $0) } ?? "/",
            query: collectValues(connection, .GET_ARGUMENT_KIND),
            headers: collectValues(connection, .HEADER_KIND),
            body: state.body,
            isFromLoopback: cmhd_client_is_loopback(connection) == 1)
        response = context.handler(request)
    }
    return queue(response, on: connection)
}

/// Releases the per-request state, also for aborted uploads.
private func requestCompleted(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    code: MHD_RequestTerminationCode
) {
    guard let conCls, let statePointer = conCls.pointee else { return }
    Unmanaged<RequestState>.fromOpaque(statePointer).release()
    conCls.pointee = nil
}

/// Releases the `SharedBytes` a response was built on, once MHD no longer needs them.
private func releaseSharedBytes(_ cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    Unmanaged<SharedBytes>.fromOpaque(cls).release()
}

private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    let mhdResponse: OpaquePointer?
    switch response.body {
    case .empty:
        mhdResponse = MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)
    case .bytes(var bytes):
        mhdResponse = bytes.withUnsafeMutableBytes { raw in
            MHD_create_response_from_buffer(raw.count, raw.baseAddress, .RESPMEM_MUST_COPY)
        }
    case .shared(let shared):
        // Zero copy: MHD reads the snapshot in place; a retain keeps it alive until the free callback.
        let retained = Unmanaged.passRetained(shared).toOpaque()
        mhdResponse = MHD_create_response_from_buffer_with_free_callback_cls(
            shared.count, UnsafeMutableRawPointer(mutating: shared.baseAddress), releaseSharedBytes, retained)
        if mhdResponse == nil { Unmanaged<SharedBytes>.fromOpaque(retained).release() }
    }
    guard let mhdResponse else { return .NO }
    defer { MHD_destroy_response(mhdResponse) }
    for (name, value) in response.headers {
        _ = MHD_add_response_header(mhdResponse, name, value)
    }
    return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
}

private func collectValues(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [(name: String, value: String)] {
    var raw: UnsafeMutablePointer<CChar>?
    let length = cmhd_collect_values(connection, kind, &raw)
    guard let raw else { return [] }
    defer { free(raw) }
    var pairs: [(name: String, value: String)] = []
    var offset = 0
    while offset < length {
        let key = String(cString: raw + offset)
        offset += strlen(raw + offset) + 1
        let value = String(cString: raw + offset)
        offset += strlen(raw + offset) + 1
        pairs.append((kind == .HEADER_KIND ? key.lowercased() : key, value))
    }
    return pairs
}

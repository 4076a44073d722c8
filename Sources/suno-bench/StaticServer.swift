import CMicroHTTPD
import SunoHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// The /metrics yardstick: libmicrohttpd serving fixed bytes from a static buffer, with the same
/// daemon flags as the exporter (epoll, an internal thread pool of 2). Each request gets a response
/// over the buffer (`MHD_RESPMEM_PERSISTENT`: no copy) with a Content-Type header, plus
/// Content-Encoding when its `Accept-Encoding` mentions gzip, as MHD's own examples do. Nothing else
/// runs per request: this is as fast as libmicrohttpd serves these bytes here.
///
/// Every MHD call of the benchmark is in this file.
@safe
final class StaticServer {
    private let context: StaticServerContext
    private var daemon: OpaquePointer?
    let port: UInt16

    init(plain: SharedBytes, gzip: SharedBytes, contentType: String) throws {
        context = StaticServerContext(plain: plain, gzip: gzip, contentType: contentType)
        var items = unsafe [
            MHD_OptionItem(option: .THREAD_POOL_SIZE, value: 2, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_LIMIT, value: 256, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: 30, ptr_value: nil),
            MHD_OptionItem(option: .END, value: 0, ptr_value: nil),
        ]
        let flags = MHD_USE_ERROR_LOG.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue
        let cls = unsafe Unmanaged.passUnretained(context).toOpaque()
        unsafe daemon = unsafe items.withUnsafeMutableBufferPointer { buffer in
            unsafe cmhd_start_daemon(UInt32(flags), "127.0.0.1", 0, staticAccessHandler, cls, buffer.baseAddress)
        }
        guard let daemon = unsafe daemon else { throw BenchError("static libmicrohttpd server did not start") }
        port = unsafe cmhd_bound_port(daemon)
    }

    /// Stops the daemon (joining its threads) before the responses are released.
    func stop() {
        if let daemon = unsafe daemon { unsafe MHD_stop_daemon(daemon) }
        unsafe daemon = nil
    }

    deinit { stop() }
}

/// The two buffers, owned by the server, which stops the daemon before releasing them.
private final class StaticServerContext: Sendable {
    let plain: SharedBytes
    let gzip: SharedBytes
    /// NUL-terminated, for MHD.
    let contentType: String

    init(plain: SharedBytes, gzip: SharedBytes, contentType: String) {
        self.plain = plain
        self.gzip = gzip
        self.contentType = contentType
    }
}

private func staticAccessHandler(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?, conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls = unsafe cls, let connection = unsafe connection, let conCls = unsafe conCls else { return .NO }
    // The first call only announces the request: answering then would make MHD close the connection
    // (it has not read the whole request yet), so mark it and answer on the next call, as any MHD
    // server does. The marker is the context itself; nothing is allocated or freed.
    guard unsafe conCls.pointee != nil else {
        unsafe conCls.pointee = unsafe cls
        return .YES
    }
    let context = unsafe Unmanaged<StaticServerContext>.fromOpaque(cls).takeUnretainedValue()
    var wantsGzip = false
    if let accept = unsafe MHD_lookup_connection_value(connection, .HEADER_KIND, "Accept-Encoding") {
        wantsGzip = unsafe strstr(accept, "gzip") != nil
    }
    let bytes = wantsGzip ? context.gzip : context.plain
    let response = unsafe MHD_create_response_from_buffer(
        bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_PERSISTENT)
    guard let response = unsafe response else { return .NO }
    defer { unsafe MHD_destroy_response(response) }
    _ = unsafe MHD_add_response_header(response, "Content-Type", context.contentType)
    if wantsGzip { _ = unsafe MHD_add_response_header(response, "Content-Encoding", "gzip") }
    return unsafe MHD_queue_response(connection, UInt32(MHD_HTTP_OK), response)
}

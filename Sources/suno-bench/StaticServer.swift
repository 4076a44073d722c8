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
final class StaticServer {
    private let context: StaticServerContext
    private var daemon: OpaquePointer?
    let port: UInt16

    init(plain: SharedBytes, gzip: SharedBytes, contentType: String) throws {
        context = StaticServerContext(plain: plain, gzip: gzip, contentType: contentType)
        var items = [
            MHD_OptionItem(option: .THREAD_POOL_SIZE, value: 2, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_LIMIT, value: 256, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: 30, ptr_value: nil),
            MHD_OptionItem(option: .END, value: 0, ptr_value: nil),
        ]
        let flags = MHD_USE_ERROR_LOG.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue
        let cls = Unmanaged.passUnretained(context).toOpaque()
        daemon = items.withUnsafeMutableBufferPointer { buffer in
            cmhd_start_daemon(UInt32(flags), "127.0.0.1", 0, staticAccessHandler, cls, buffer.baseAddress)
        }
        guard let daemon else { throw BenchError("static libmicrohttpd server did not start") }
        port = cmhd_bound_port(daemon)
    }

    /// Stops the daemon (joining its threads) before the responses are released.
    func stop() {
        if let daemon { MHD_stop_daemon(daemon) }
        daemon = nil
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
    guard let cls, let connection, let conCls else { return .NO }
    // The first call only announces the request: answering then would make MHD close the connection
    // (it has not read the whole request yet), so mark it and answer on the next call, as any MHD
    // server does. The marker is the context itself; nothing is allocated or freed.
    guard conCls.pointee != nil else {
        conCls.pointee = cls
        return .YES
    }
    let context = Unmanaged<StaticServerContext>.fromOpaque(cls).takeUnretainedValue()
    var wantsGzip = false
    if let accept = MHD_lookup_connection_value(connection, .HEADER_KIND, "Accept-Encoding") {
        wantsGzip = strstr(accept, "gzip") != nil
    }
    let bytes = wantsGzip ? context.gzip : context.plain
    let response = MHD_create_response_from_buffer(
        bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_PERSISTENT)
    guard let response else { return .NO }
    defer { MHD_destroy_response(response) }
    _ = MHD_add_response_header(response, "Content-Type", context.contentType)
    if wantsGzip { _ = MHD_add_response_header(response, "Content-Encoding", "gzip") }
    return MHD_queue_response(connection, UInt32(MHD_HTTP_OK), response)
}

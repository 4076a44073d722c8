import CCurl

/// Short, stable names for libcurl's error codes, for logs and `UpstreamError.transport`. They
/// keep the names the client reported when it ran on URLSession (Foundation's `URLError` codes),
/// so dashboards and alerts that match them keep working; libcurl's own messages can quote the
/// URL, so only the name is ever shown.
enum CurlCodeName {
    static func name(of code: CURLcode) -> String {
        switch code {
        case CURLE_COULDNT_CONNECT: "cannotConnectToHost"
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: "cannotFindHost"
        case CURLE_OPERATION_TIMEDOUT: "timedOut"
        case CURLE_URL_MALFORMAT: "badURL"
        case CURLE_UNSUPPORTED_PROTOCOL: "unsupportedURL"
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            "networkConnectionLost"
        case CURLE_GOT_NOTHING: "zeroByteResource"
        case CURLE_WEIRD_SERVER_REPLY: "badServerResponse"
        case CURLE_BAD_CONTENT_ENCODING: "cannotDecodeContentData"
        case CURLE_TOO_MANY_REDIRECTS: "httpTooManyRedirects"
        // A CA bundle that cannot be read is this machine's problem, not the server's certificate.
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE: "secureConnectionFailed"
        case CURLE_PEER_FAILED_VERIFICATION: "serverCertificateUntrusted"
        case CURLE_SSL_CERTPROBLEM: "clientCertificateRejected"
        case CURLE_ABORTED_BY_CALLBACK: "cancelled"
        case CURLE_OUT_OF_MEMORY: "outOfMemory"
        default: "curl\(code.rawValue)"
        }
    }
}

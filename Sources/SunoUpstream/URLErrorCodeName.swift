import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension URLError.Code {
    /// A short, stable name for logs and `UpstreamError.transport`. URLError descriptions are noisy
    /// and can quote the URL, so only the code is ever shown.
    var name: String {
        switch self {
        case .cancelled: "cancelled"
        case .timedOut: "timedOut"
        case .badURL: "badURL"
        case .unsupportedURL: "unsupportedURL"
        case .cannotFindHost: "cannotFindHost"
        case .cannotConnectToHost: "cannotConnectToHost"
        case .networkConnectionLost: "networkConnectionLost"
        case .dnsLookupFailed: "dnsLookupFailed"
        case .httpTooManyRedirects: "httpTooManyRedirects"
        case .redirectToNonExistentLocation: "redirectToNonExistentLocation"
        case .badServerResponse: "badServerResponse"
        case .zeroByteResource: "zeroByteResource"
        case .cannotDecodeRawData: "cannotDecodeRawData"
        case .cannotDecodeContentData: "cannotDecodeContentData"
        case .cannotParseResponse: "cannotParseResponse"
        case .notConnectedToInternet: "notConnectedToInternet"
        case .dataLengthExceedsMaximum: "dataLengthExceedsMaximum"
        case .userAuthenticationRequired: "userAuthenticationRequired"
        case .userCancelledAuthentication: "userCancelledAuthentication"
        case .secureConnectionFailed: "secureConnectionFailed"
        case .serverCertificateHasBadDate: "serverCertificateHasBadDate"
        case .serverCertificateUntrusted: "serverCertificateUntrusted"
        case .serverCertificateHasUnknownRoot: "serverCertificateHasUnknownRoot"
        case .serverCertificateNotYetValid: "serverCertificateNotYetValid"
        case .clientCertificateRejected: "clientCertificateRejected"
        case .clientCertificateRequired: "clientCertificateRequired"
        case .cannotLoadFromNetwork: "cannotLoadFromNetwork"
        case .resourceUnavailable: "resourceUnavailable"
        case .internationalRoamingOff: "internationalRoamingOff"
        case .callIsActive: "callIsActive"
        case .dataNotAllowed: "dataNotAllowed"
        case .requestBodyStreamExhausted: "requestBodyStreamExhausted"
        default: "urlError\(rawValue)"
        }
    }
}

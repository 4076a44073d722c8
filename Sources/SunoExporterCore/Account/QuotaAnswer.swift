/// The account figures of CometAPI's quota service (`GET https://query.cometapi.com/user/quota?key=…`):
/// `{"username", "total_quota", "total_used_quota", "request_count", "keys": [{"name", "remain_quota",
/// "used_quota"}]}`, amounts in USD.
///
/// What the service documents, and how it is kept here:
/// - `total_quota` is the account's current balance. It is the one member an answer must have: without it
///   the body is not a quota answer (an error page, an error object), and nothing is reported.
/// - `total_used_quota` (the running total spent) and `request_count` may be missing; they are then nil.
/// - A key's `remain_quota` of `-1` means "unlimited"; it becomes `+infinity`, so a "remaining below X"
///   alert can never fire for it and the key still shows. Other values are kept as sent, huge ones too
///   (the docs show `999999999`); numbers beyond a Double's range become infinite.
/// - Amounts are JSON numbers; a number written as a string (`"12.5"`) is accepted too, since the service
///   is not versioned. Unknown members (`username`, `daily_quota`, …) are skipped.
public struct QuotaAnswer: Sendable, Equatable {
    /// `total_quota`: the balance, USD.
    public var balance: Double
    /// `total_used_quota`: spent so far, USD.
    public var used: Double?
    /// `request_count`: requests made by the account.
    public var requests: Double?
    /// The account's keys in answer order.
    public var keys: [KeyQuota]

    public init(balance: Double, used: Double? = nil, requests: Double? = nil, keys: [KeyQuota] = []) {
        self.balance = balance
        self.used = used
        self.requests = requests
        self.keys = keys
    }

    /// One key of the account.
    public struct KeyQuota: Sendable, Equatable {
        /// The key's name as the service wrote it (not yet a label value).
        public var name: String
        /// `remain_quota`, USD; `+infinity` for an unlimited key (`-1`).
        public var remaining: Double

        public init(name: String, remaining: Double) {
            self.name = name
            self.remaining = remaining
        }

        public var isUnlimited: Bool { remaining == .infinity }
    }

    /// The `remain_quota` value that stands for "no limit".
    public static let unlimitedMarker = -1.0
}

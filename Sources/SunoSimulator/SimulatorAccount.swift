/// The simulated account behind the fake gateway's quota service (`GET /user/quota?key=…`).
///
/// Every submitted task costs a fixed price for its action (not CometAPI's real prices: round numbers
/// so that tests and the demo can check the arithmetic), charged when it is submitted; a task that
/// ends FAILURE is refunded, as the gateway refunds failed tasks (COMETAPI.md §5). So the balance falls
/// as tasks are submitted and the used total can drop after a refund.
public struct SimulatorAccount: Sendable, Equatable {
    /// The balance before any task, USD.
    public var startingBalance: Double
    /// USD per MUSIC task.
    public var musicPrice: Double
    /// USD per LYRICS task.
    public var lyricsPrice: Double

    public init(startingBalance: Double = 1_000, musicPrice: Double = 0.10, lyricsPrice: Double = 0.02) {
        self.startingBalance = startingBalance
        self.musicPrice = musicPrice
        self.lyricsPrice = lyricsPrice
    }

    public func price(of action: SimulatedAction) -> Double {
        action == .music ? musicPrice : lyricsPrice
    }

    /// The account's figures given the tasks as they are now.
    public func state(of tasks: [SimulatedTask]) -> SimulatedAccountState {
        var charged: [SimulatedAction: Int] = [:]
        for task in tasks where task.status != "FAILURE" { charged[task.action, default: 0] += 1 }
        // Counts times prices, not a running sum of prices: no drift from adding 0.1 a thousand times.
        let used = Double(charged[.music] ?? 0) * musicPrice + Double(charged[.lyrics] ?? 0) * lyricsPrice
        return SimulatedAccountState(balance: startingBalance - used, used: used, requests: tasks.count)
    }
}

/// The account figures the quota endpoint reports at one instant.
public struct SimulatedAccountState: Sendable, Equatable {
    /// `total_quota`, USD.
    public var balance: Double
    /// `total_used_quota`, USD: the price of every submitted task not refunded.
    public var used: Double
    /// `request_count`: submitted tasks (the billed requests).
    public var requests: Int
}

extension SimulatedAccountState {
    /// The quota service's answer (shape of CometAPI's docs): the account, one unlimited key that did
    /// the spending, and the query-only key with no quota that the docs advise.
    var quotaAnswer: JSONValue {
        .object([
            ("username", .string("simulator")),
            ("total_quota", .double(Self.micro(balance))),
            ("total_used_quota", .double(Self.micro(used))),
            ("request_count", .int(Int64(requests))),
            (
                "keys",
                .array([
                    .object([
                        ("name", .string("default")), ("remain_quota", .int(-1)),
                        ("used_quota", .double(Self.micro(used))),
                    ]),
                    .object([("name", .string("query-only")), ("remain_quota", .int(0)), ("used_quota", .int(0))]),
                ])
            ),
        ])
    }

    /// Six decimals, as the service writes amounts.
    private static func micro(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }
}

import Foundation
import Synchronization

/// Where the simulator reads "now", in Unix seconds (fractional).
///
/// Task states are derived from the submit instant, the task's drawn timeline and this clock,
/// so a manual clock makes every answer reproducible and lets tests jump through timelines.
public struct SimulatorClock: Sendable {
    private let read: @Sendable () -> Double

    /// A clock reading `read` for every request.
    public init(_ read: @escaping @Sendable () -> Double) {
        self.read = read
    }

    /// The current instant in Unix seconds.
    public func now() -> Double { read() }

    /// Wall-clock time anchored once and advanced by the monotonic clock, so it never goes back
    /// even if the system clock is stepped (a task state must never regress).
    public static var system: SimulatorClock {
        let anchorWall = Date().timeIntervalSince1970
        let anchorMonotonic = ContinuousClock.now
        return SimulatorClock {
            let elapsed = ContinuousClock.now - anchorMonotonic
            let (seconds, attoseconds) = elapsed.components
            return anchorWall + Double(seconds) + Double(attoseconds) * 1e-18
        }
    }

    /// A clock that only moves when the test moves it.
    public static func manual(_ clock: ManualClock) -> SimulatorClock {
        SimulatorClock { clock.now }
    }
}

/// A settable clock for tests: `advance(by:)` moves every simulator reading it.
public final class ManualClock: Sendable {
    private let value: Mutex<Double>

    /// Starts at `now` (Unix seconds); the default is a fixed instant in July 2025.
    public init(now: Double = 1_751_871_000) {
        value = Mutex(now)
    }

    /// The current reading.
    public var now: Double { value.withLock { $0 } }

    /// Moves the clock forward (a negative amount is ignored: time never goes back).
    public func advance(by seconds: Double) {
        value.withLock { $0 += seconds.sanitized() }
    }
}

extension Double {
    /// The value when it is finite and not negative, else 0; capped at `limit`. Configuration and API
    /// inputs pass through this, so a NaN or a huge number never traps in an integer conversion.
    func sanitized(limit: Double = 1e12) -> Double {
        isFinite && self > 0 ? Swift.min(self, limit) : 0
    }
}

/// SplitMix64: a small, fast, seedable generator. Every task draws from its own instance, seeded
/// from the configuration seed and the task's submission number, so a task's id, timeline and
/// outcome do not depend on which thread submitted it or on what other tasks drew.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// A generator for one stream (`stream` is the task's sequence number, or a request counter).
    init(seed: UInt64, stream: UInt64, salt: UInt64 = 0) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ (salt &* 0x8CB9_2BA7_2F3D_8DD7))
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform draw in a closed range; a degenerate or reversed range gives its lower bound.
    mutating func draw(_ range: ClosedRange<Double>) -> Double {
        guard range.upperBound > range.lowerBound else { return range.lowerBound }
        return range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ values: [T]) -> T {
        values[Int(next() % UInt64(values.count))]
    }

    /// True with probability `share`.
    mutating func chance(_ share: Double) -> Bool {
        unit() < share
    }
}

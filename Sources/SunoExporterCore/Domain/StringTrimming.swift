extension StringProtocol {
    /// The text without leading and trailing whitespace, as a slice (no copy). Foundation's
    /// `trimmingCharacters(in:)` would do, but the core stays free of Foundation.
    func trimmingWhitespace() -> SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return self[endIndex...] }
        return self[first...last]
    }
}


/// When to try an alert again: exponential backoff with jitter, or what `Retry-After` says.
package struct RetryPolicy: Sendable {
    /// The first delay, in seconds.
    package var base: Double
    /// The longest delay, in seconds.
    package var cap: Double
    /// Attempts before an alert is marked failed.
    package var maxAttempts: Int

    package init(base: Double = 1, cap: Double = 300, maxAttempts: Int = 8) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The delay before attempt `attempts + 1`: `base * 2^(attempts-1)`, capped, times a
    /// random factor in [0.5, 1.5) so many senders do not retry in step. A server's
    /// `Retry-After` is honoured up to `maxRetryAfter`; one that is not a finite number is
    /// ignored (a receiver answering `Retry-After: inf` once stopped every delivery).
    package func delay(afterAttempts attempts: Int, retryAfter: Double?, jitter: Double) -> Double {
        let exponential = min(cap, base * Double(1 << min(max(attempts - 1, 0), 30)))
        let jittered = exponential * (0.5 + min(max(jitter, 0), 1))
        guard let retryAfter, retryAfter.isFinite else { return jittered }
        return min(max(0, retryAfter), Self.maxRetryAfter)
    }

    /// The longest `Retry-After` honoured, in seconds (a day).
    package static let maxRetryAfter = 86_400.0
}

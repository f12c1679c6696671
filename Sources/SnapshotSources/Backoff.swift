import Foundation

/// How a puller waits before retrying a request the service may answer later (429, 5xx,
/// no response): exponential, capped, with full jitter (AWS's "Exponential Backoff And
/// Jitter": a random wait up to the exponential bound, so many clients do not retry in
/// step), or the service's own hint when it gives one.
package struct Backoff: Sendable {
    /// Tries per request, the first included.
    package var attempts: Int
    /// The bound of the first wait, in seconds; it doubles each retry.
    package var base: Double
    /// The largest bound, in seconds.
    package var cap: Double
    /// The longest wait a service's hint may ask for, in seconds (a bigger one fails the pull).
    package var longestHint: Double
    /// Whether waits are random up to the bound (false: exactly the bound; for tests).
    package var jitter: Bool

    package init(attempts: Int = 8, base: Double = 0.5, cap: Double = 30, longestHint: Double = 300, jitter: Bool = true) {
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.longestHint = longestHint
        self.jitter = jitter
    }

    /// Seconds to wait before try `attempt + 1` (attempt 1 is the first), given the
    /// service's hint; `nil` when no try is left or the hint is beyond `longestHint`.
    package func delay(after attempt: Int, hint: Double? = nil) -> Double? {
        guard attempt < attempts else { return nil }
        if let hint, hint.isFinite, hint >= 0 { return hint <= longestHint ? hint : nil }
        let bound = min(cap, base * pow(2, Double(attempt - 1)))
        return jitter ? Double.random(in: 0...bound) : bound
    }

    /// Sleeps for `seconds`.
    package static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}

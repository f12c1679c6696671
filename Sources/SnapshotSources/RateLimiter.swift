import Foundation

/// Spaces requests shared by several workers to at most `perSecond` a second (0: no limit):
/// Amazon Connect's per-account API limits are a few requests a second.
package final class RateLimiter: @unchecked Sendable {
    private let interval: Double
    private let lock = NSLock()
    private var next = Date.distantPast

    package init(perSecond: Double) {
        interval = perSecond > 0 ? 1 / perSecond : 0
    }

    /// Waits for this caller's turn.
    package func acquire() {
        guard interval > 0 else { return }
        lock.lock()
        let now = Date()
        let slot = max(now, next)
        next = slot.addingTimeInterval(interval)
        lock.unlock()
        Backoff.sleep(slot.timeIntervalSince(now))
    }
}

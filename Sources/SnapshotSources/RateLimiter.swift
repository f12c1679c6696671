import Foundation
import Synchronization

/// Spaces requests shared by several workers to at most `perSecond` a second (0: no limit):
/// Amazon Connect's per-account API limits are a few requests a second.
package final class RateLimiter: Sendable {
    private let interval: Double
    /// The next free slot.
    private let next = Mutex(Date.distantPast)

    package init(perSecond: Double) {
        interval = perSecond > 0 ? 1 / perSecond : 0
    }

    /// Waits for this caller's turn.
    package func acquire() {
        guard interval > 0 else { return }
        let wait = next.withLock { next in
            let now = Date()
            let slot = max(now, next)
            next = slot.addingTimeInterval(interval)
            return slot.timeIntervalSince(now)
        }
        Backoff.sleep(wait)
    }
}

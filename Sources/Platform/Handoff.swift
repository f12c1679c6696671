import Foundation

/// Values made by one thread and taken by another, in order, at most `ahead` of them
/// waiting: a producer that runs ahead of its consumer by a bounded amount.
///
/// Audited `@unchecked Sendable`: every stored property is read and written only while
/// `condition` is locked.
package final class Handoff<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: [Element] = []
    private var finished = false
    private var cancelled = false
    private let ahead: Int

    package init(ahead: Int) { self.ahead = ahead }

    /// Hands a value over, after waiting for room; `false` once the consumer stopped.
    package func put(_ value: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while waiting.count >= ahead, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        waiting.append(value)
        condition.broadcast()
        return true
    }

    /// The producer's end: no more values.
    package func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next value, after waiting for it; `nil` when the producer has finished.
    package func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty, !finished { condition.wait() }
        guard !waiting.isEmpty else { return nil }
        condition.broadcast()
        return waiting.removeFirst()
    }

    /// The consumer's end (done, or stopped by an error): the producer stops at its next
    /// value, and is waited for.
    package func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

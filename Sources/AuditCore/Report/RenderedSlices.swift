import Foundation

/// Slices of a report rendered by one thread and written by another, in order, at most
/// `ahead` of them waiting (each a few megabytes).
///
/// Audited `@unchecked Sendable`: every stored property is read and written only while
/// `condition` is locked.
final class RenderedSlices: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: [[[UInt8]]] = []
    private var finished = false
    private var cancelled = false
    private let ahead: Int

    init(ahead: Int) { self.ahead = ahead }

    /// Hands a rendered slice over, after waiting for room; `false` once the writer stopped.
    func put(_ slice: [[UInt8]]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while waiting.count >= ahead, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        waiting.append(slice)
        condition.broadcast()
        return true
    }

    /// The renderer's end: no more slices.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next slice, after waiting for it; `nil` when the renderer has finished.
    func take() -> [[UInt8]]? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty, !finished { condition.wait() }
        guard !waiting.isEmpty else { return nil }
        condition.broadcast()
        return waiting.removeFirst()
    }

    /// The writer's end (done, or stopped by an error): the renderer stops at its next
    /// slice, and is waited for.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

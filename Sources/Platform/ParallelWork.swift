import Dispatch
import Foundation

/// The readers' (and the JSON report's) one way to use every core, and the one place in
/// them that shares memory between threads without the compiler's proof
/// (`nonisolated(unsafe)`, audited here):
///
/// - each worker writes only its own slot of the results buffer, and the slots are read
///   after `concurrentPerform` returns (which waits for every worker);
/// - `SharedBytes` hands a buffer that nobody writes while the workers run to all of them.
package enum ParallelWork {
    /// How many workers share `count` items: one per core (at most 8), one for few items.
    package static func workers(for count: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        count < 256 ? 1 : max(1, min(cores, 8))
    }

    /// Runs `body` over `0..<count` in one contiguous share per worker (`workers` of them)
    /// and returns each share's result, in share order.
    package static func map<Result>(_ count: Int, workers: Int, _ body: @Sendable (Range<Int>) -> Result) -> [Result] {
        let workers = max(1, min(workers, max(count, 1)))
        let share = (count + workers - 1) / workers
        let slots = UnsafeMutableBufferPointer<Result?>.allocate(capacity: workers)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        // Audited: worker `w` writes slot `w` only; the slots are read after every worker returned.
        nonisolated(unsafe) let shared = slots
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = min(count, worker * share)
            shared[worker] = body(lower..<min(count, lower + share))
        }
        return slots.map { $0! }
    }

    /// Bytes that stay unchanged while workers read them.
    package struct SharedBytes: @unchecked Sendable {
        /// Audited: the owner neither writes nor frees the buffer until `map` returns.
        package let buffer: UnsafeBufferPointer<UInt8>
        package init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }
    }
}

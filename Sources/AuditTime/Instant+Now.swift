import Foundation

extension Instant {
    /// The current time, from the clock (the shell and the pullers read it; the model,
    /// reading and core never do).
    package static var now: Instant {
        Instant(microsecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()))
    }
}

import ArgumentParser
import AuditCore
import AuditTime
import Foundation

extension Instant {
    /// The current time, from the clock (the shell reads it; the core never does).
    static var now: Instant {
        Instant(microsecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()))
    }
}

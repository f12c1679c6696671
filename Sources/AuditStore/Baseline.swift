import AuditCore
import AuditTime

/// A named, approved point in time.
package struct Baseline: Sendable, Equatable {
    package var name: String
    package var approvedAt: Instant
    package var note: String?
}

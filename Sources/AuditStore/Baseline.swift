import AuditCore
import AuditModel
import AuditTime
import PostgresClient
import SnapshotReading

/// A named, approved point in time.
package struct Baseline: Sendable, Equatable {
    package var name: String
    package var approvedAt: Instant
    package var note: String?
}

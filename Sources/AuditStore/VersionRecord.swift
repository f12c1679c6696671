import AuditCore
import AuditModel
import AuditTime
import SnapshotReading

/// A stored version with its validity.
package struct VersionRecord: Sendable {
    package var version: Int
    package var validFrom: Instant
    package var validTo: Instant?
    package var profile: SecurityProfile
}

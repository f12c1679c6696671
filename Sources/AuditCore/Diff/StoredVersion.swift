import AuditModel
import AuditTime
import SnapshotReading

/// A stored version in full, for field diffs.
public struct StoredVersion: Hashable, Sendable {
    public var version: Int
    public var profile: SecurityProfile

    public init(version: Int, profile: SecurityProfile) {
        self.version = version
        self.profile = profile
    }
}

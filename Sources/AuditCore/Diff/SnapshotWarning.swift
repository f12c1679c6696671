import AuditModel
import AuditTime
import SnapshotReading

/// Something the ingest noticed but did not act on.
public struct SnapshotWarning: Hashable, Sendable {
    /// The profile concerned, if one.
    public var key: String?
    /// `stale_observation`, `instance_missing`, ...
    public var kind: String
    public var detail: String
}

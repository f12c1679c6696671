import AuditModel
import ByteKernels

/// Something the ingest noticed but did not act on.
package struct SnapshotWarning: Hashable, Sendable {
    /// The profile concerned, if one.
    package var key: String?
    /// `stale_observation`, `instance_missing`, ...
    package var kind: String
    package var detail: String

    package init(key: String?, kind: String, detail: String) {
        self.key = key
        self.kind = kind
        self.detail = detail
    }
}

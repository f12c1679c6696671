import AuditModel
import AuditTime
import SnapshotReading

/// A change event before the store numbers and chains it.
public struct EventDraft: Hashable, Sendable {
    public var key: String
    public var kind: ChangeKind
    public var fromVersion: Int?
    public var toVersion: Int?
    /// The profile's `last_modified_time` after the change (before it, for `deleted`).
    public var lastModifiedTime: Instant?
    public var diff: ProfileDiff
    /// `false` when the content changed but `last_modified_time` did not.
    public var timestampChanged: Bool
    public var drift: DriftClass
    public var severity: Severity

    /// The changed fields, sorted: what `changed_fields` stores.
    public var changedFields: [String] { diff.changedFields }
}

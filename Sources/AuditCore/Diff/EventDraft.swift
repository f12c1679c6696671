import AuditModel
import AuditTime
import ByteKernels

/// A change event before the store numbers and chains it.
package struct EventDraft: Hashable, Sendable {
    package var key: String
    package var kind: ChangeKind
    package var fromVersion: Int?
    package var toVersion: Int?
    /// The profile's `last_modified_time` after the change (before it, for `deleted`).
    package var lastModifiedTime: Instant?
    package var diff: ProfileDiff
    /// `false` when the content changed but `last_modified_time` did not.
    package var timestampChanged: Bool
    package var drift: DriftClass
    package var severity: Severity

    package init(
        key: String, kind: ChangeKind, fromVersion: Int?, toVersion: Int?, lastModifiedTime: Instant?, diff: ProfileDiff,
        timestampChanged: Bool, drift: DriftClass, severity: Severity
    ) {
        self.key = key
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.lastModifiedTime = lastModifiedTime
        self.diff = diff
        self.timestampChanged = timestampChanged
        self.drift = drift
        self.severity = severity
    }

    /// The changed fields, sorted: what `changed_fields` stores.
    package var changedFields: [String] { diff.changedFields }
}

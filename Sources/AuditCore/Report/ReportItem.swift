import AuditModel
import AuditTime
import Foundation
import ByteKernels

/// One line of a report: a change event, or one profile's net drift from a baseline.
package struct ReportItem: Hashable, Sendable {
    /// The event's id (`nil` for a baseline comparison).
    package var eventID: Int64?
    package var key: String
    package var name: String?
    package var accountID: String?
    package var kind: ChangeKind
    /// When the change was observed (`nil` for a baseline comparison).
    package var observedAt: Instant?
    package var drift: DriftClass
    package var severity: Severity
    package var changedFields: [String]
    /// The field diff, typed: decoded once where it was read, never re-parsed to render.
    package var diff: ProfileDiff
    /// Who made the change, where CloudTrail records say so (empty when unknown).
    package var attributions: [Attribution] = []
    /// How many users held the profile when the change was observed; `nil` when the
    /// history holds no user snapshot (so no count is known).
    package var holders: Int?

    package init(
        eventID: Int64?, key: String, name: String?, accountID: String?, kind: ChangeKind, observedAt: Instant?,
        drift: DriftClass, severity: Severity, changedFields: [String], diff: ProfileDiff
    ) {
        self.eventID = eventID
        self.key = key
        self.name = name
        self.accountID = accountID
        self.kind = kind
        self.observedAt = observedAt
        self.drift = drift
        self.severity = severity
        self.changedFields = changedFields
        self.diff = diff
    }

    /// The diff's changes, one per field, for rendering: `(field, description)`.
    package var diffLines: [(field: String, change: String)] { diff.lines }
}

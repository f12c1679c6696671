import AuditModel
import AuditTime
import Foundation
import SnapshotReading

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
    /// The field diff as canonical JSON.
    package var diffJSON: String

    package init(
        eventID: Int64?, key: String, name: String?, accountID: String?, kind: ChangeKind, observedAt: Instant?,
        drift: DriftClass, severity: Severity, changedFields: [String], diffJSON: String
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
        self.diffJSON = diffJSON
    }

    /// The diff's changes, one per field, for rendering: `(field, description)`.
    package var diffLines: [(field: String, change: String)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(diffJSON.utf8)) as? [String: Any] else { return [] }
        return object.keys.sorted().map { field in
            let change = object[field] as? [String: Any] ?? [:]
            if let added = change["added"] as? [String], let removed = change["removed"] as? [String] {
                let parts = removed.map { "-" + $0 } + added.map { "+" + $0 }
                return (field, parts.joined(separator: ", "))
            }
            let from = (change["from"] as? String).map { "\"\($0)\"" } ?? "(none)"
            let to = (change["to"] as? String).map { "\"\($0)\"" } ?? "(none)"
            return (field, "\(from) -> \(to)")
        }
    }
}

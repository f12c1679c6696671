import AuditModel
import AuditTime
import ByteKernels

/// What an alert says about its event: a stored event, so it always has its id and the
/// time it was observed (unlike a report item, which may be a baseline comparison).
package struct AlertEvent: Hashable, Sendable {
    package var eventID: Int64
    package var key: String
    /// The profile's name, when the version has one (for a deletion, the version it closed).
    package var name: String?
    package var kind: ChangeKind
    package var observedAt: Instant
    package var drift: DriftClass
    package var severity: Severity
    package var changedFields: [String]
    /// Who made the change, where CloudTrail records say so when the alert is sent.
    package var attributions: [Attribution] = []
    /// The profile's AWS account, when known.
    package var accountID: String?
    /// How many users held the profile when the change was observed, where users are known.
    package var holders: Int?
    /// For a user-level change (`key` the user's key, `name` the username): what the user
    /// gained and lost, and through which profiles.
    package var user: UserAccess?

    /// A user's access as an alert tells it.
    package struct UserAccess: Hashable, Sendable {
        package var gained: [String]
        package var lost: [String]
        package var via: [String]

        package init(gained: [String], lost: [String], via: [String]) {
            self.gained = gained
            self.lost = lost
            self.via = via
        }
    }

    package init(
        eventID: Int64, key: String, name: String?, kind: ChangeKind, observedAt: Instant, drift: DriftClass,
        severity: Severity, changedFields: [String]
    ) {
        self.eventID = eventID
        self.key = key
        self.name = name
        self.kind = kind
        self.observedAt = observedAt
        self.drift = drift
        self.severity = severity
        self.changedFields = changedFields
    }

    /// The alert's view of a report item that is a stored event; `nil` for a baseline
    /// comparison (no event id or time).
    package init?(_ item: ReportItem) {
        guard let eventID = item.eventID, let observedAt = item.observedAt else { return nil }
        self.init(
            eventID: eventID, key: item.key, name: item.name, kind: item.kind, observedAt: observedAt, drift: item.drift,
            severity: item.severity, changedFields: item.changedFields)
        attributions = item.attributions
        accountID = item.accountID
        holders = item.holders
    }
}

import AuditModel
import Foundation

/// What a rule looks at in an event: a profile's change, or a user's effective access
/// moved (a user-level change, its kind mapped onto the profile kinds: `assigned`,
/// `unassigned` and `modified` are `modified`).
package struct AlertSubject: Sendable {
    /// What an alert is about.
    package enum About: String, Sendable, Hashable, CaseIterable {
        case profiles, users
    }

    package var about = About.profiles
    package var kind: ChangeKind
    package var drift: DriftClass
    package var severity: Severity
    package var accountID: String?
    package var profileName: String?
    package var changedFields: [String]
    /// How many users held the profile when the change was observed (profiles, once users
    /// are known).
    package var holders: Int?

    package init(kind: ChangeKind, drift: DriftClass, severity: Severity, accountID: String?, profileName: String?, changedFields: [String]) {
        self.kind = kind
        self.drift = drift
        self.severity = severity
        self.accountID = accountID
        self.profileName = profileName
        self.changedFields = changedFields
    }
}

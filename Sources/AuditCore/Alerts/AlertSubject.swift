import AuditModel
import Foundation

/// What a rule looks at in an event.
package struct AlertSubject: Sendable {
    package var kind: ChangeKind
    package var drift: DriftClass
    package var severity: Severity
    package var accountID: String?
    package var profileName: String?
    package var changedFields: [String]

    package init(kind: ChangeKind, drift: DriftClass, severity: Severity, accountID: String?, profileName: String?, changedFields: [String]) {
        self.kind = kind
        self.drift = drift
        self.severity = severity
        self.accountID = accountID
        self.profileName = profileName
        self.changedFields = changedFields
    }
}

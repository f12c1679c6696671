import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// What a rule looks at in an event.
public struct AlertSubject: Sendable {
    public var kind: ChangeKind
    public var drift: DriftClass
    public var severity: Severity
    public var accountID: String?
    public var profileName: String?
    public var changedFields: [String]

    public init(kind: ChangeKind, drift: DriftClass, severity: Severity, accountID: String?, profileName: String?, changedFields: [String]) {
        self.kind = kind
        self.drift = drift
        self.severity = severity
        self.accountID = accountID
        self.profileName = profileName
        self.changedFields = changedFields
    }
}

import AuditModel
import Foundation
import ByteKernels

/// One rule: which events it matches, and the channels it names. Absent criteria match all.
package struct AlertRule: Hashable, Sendable {
    package var name: String
    package var kinds: Set<ChangeKind>?
    package var drift: Set<DriftClass>?
    package var minSeverity: Severity
    package var accounts: Set<String>?
    /// A shell-style pattern (`*`, `?`, `[...]`) on the profile's name.
    package var profileName: String?
    /// Matches when any of these fields changed.
    package var changedFields: Set<String>?
    /// What the rule is about: profile changes (the default), user-level changes, or both.
    package var about: Set<AlertSubject.About> = [.profiles]
    /// Matches a profile change only when at least this many users held the profile.
    package var minHolders: Int?
    package var channels: [String]

    package init(
        name: String, kinds: Set<ChangeKind>?, drift: Set<DriftClass>?, minSeverity: Severity, accounts: Set<String>?,
        profileName: String?, changedFields: Set<String>?, channels: [String]
    ) {
        self.name = name
        self.kinds = kinds
        self.drift = drift
        self.minSeverity = minSeverity
        self.accounts = accounts
        self.profileName = profileName
        self.changedFields = changedFields
        self.channels = channels
    }
}

extension AlertRule {
    func matches(_ subject: AlertSubject) -> Bool {
        if !about.contains(subject.about) { return false }
        if let minHolders, (subject.holders ?? 0) < minHolders { return false }
        if let kinds, !kinds.contains(subject.kind) { return false }
        // An initial load is no change: only a rule that names `discovered` matches it.
        if subject.kind == .discovered && kinds?.contains(.discovered) != true { return false }
        if let drift, !drift.contains(subject.drift) { return false }
        if subject.severity < minSeverity { return false }
        if let accounts, !(subject.accountID.map(accounts.contains) ?? false) { return false }
        if let profileName, fnmatch(profileName, subject.profileName ?? "", 0) != 0 { return false }
        if let changedFields, !subject.changedFields.contains(where: changedFields.contains) { return false }
        return true
    }
}

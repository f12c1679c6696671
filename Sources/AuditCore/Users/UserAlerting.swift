import AuditModel

extension UserChangeKind {
    /// The profile kind an alert rule's `kinds` matches a user change by: a user whose
    /// profiles or fields moved is `modified`; the others keep their names.
    package var alertKind: ChangeKind {
        switch self {
        case .created: .created
        case .discovered: .discovered
        case .recreated: .recreated
        case .deleted: .deleted
        case .assigned, .unassigned, .modified: .modified
        }
    }
}

/// Which user events are user-level changes an alert rule may match, and what each says.
/// Pure: the store gives the profiles each user held before and after, with their
/// permissions at the snapshot.
package enum UserAlerting {
    /// A user event's effective-access change and the subject rules match it by; `nil` when
    /// no permission moved (a user moved between two profiles that grant the same raises
    /// no user-level alert).
    /// - Parameters:
    ///   - before, after: the profiles held (profile key → permissions) before and after.
    package static func subject(
        of event: UserEventDraft, accountID: String?, before: [String: [String]], after: [String: [String]],
        catalog: PermissionCatalog
    ) -> (subject: AlertSubject, access: EffectiveAccess.Change)? {
        guard let change = EffectiveAccess.change(before: before, after: after, catalog: catalog) else { return nil }
        var subject = AlertSubject(
            kind: event.kind.alertKind, drift: change.drift, severity: change.severity, accountID: accountID,
            profileName: nil, changedFields: event.changedFields)
        subject.about = .users
        return (subject, change)
    }

    /// The alert's view of the change: what was gained and lost, and the profiles (by key)
    /// granting or having granted it.
    package static func access(_ change: EffectiveAccess.Change) -> AlertEvent.UserAccess {
        AlertEvent.UserAccess(
            gained: change.gained.map(\.permission), lost: change.lost.map(\.permission),
            via: Set(change.gained.flatMap(\.via) + change.lost.flatMap(\.via)).sorted())
    }
}

import AuditModel
import AuditTime

/// One user's access moving at one moment: what a report's "people whose access widened"
/// lists. Derived from the history (`connect_audit.access_changes`), never stored: an edit
/// of a profile is one profile event, and each of its holders' moves follows from it.
package struct UserAccessChange: Sendable, Equatable {
    package var userKey: String
    package var username: String?
    package var at: Instant
    /// Permissions gained and lost, sorted.
    package var gained: [String]
    package var lost: [String]
    /// The profiles (keys) that grant what was gained, or granted what was lost, sorted.
    package var via: [String]
    /// Their names, in the same order (a profile without a name by its key).
    package var viaNames: [String] = []
    package var drift: DriftClass
    package var severity: Severity
    /// The event that moved it: a user event (an assignment) or a profile's change event.
    package var eventID: Int64
    package var eventTable: String
    /// Who made the change, where CloudTrail says so with one answer.
    package var principal: String?

    /// One row of `access_changes`.
    package struct Row: Sendable, Equatable {
        package var userKey: String
        package var username: String?
        package var permission: String
        package var gained: Bool
        package var via: String?
        /// The name of the `via` profile's latest version.
        package var viaName: String?
        package var at: Instant
        package var eventID: Int64
        package var eventTable: String
        package var principal: String?

        package init(
            userKey: String, username: String?, permission: String, gained: Bool, via: String?, at: Instant, eventID: Int64,
            eventTable: String, principal: String?
        ) {
            self.userKey = userKey
            self.username = username
            self.permission = permission
            self.gained = gained
            self.via = via
            self.at = at
            self.eventID = eventID
            self.eventTable = eventTable
            self.principal = principal
        }
    }

    /// The rows grouped by user and moment, each weighed as a profile's permissions are
    /// (`DriftRules.permissionParts`: gaining an administrative or sensitive permission is
    /// widened and critical); in report order: most severe first, widened before other
    /// drift, then by time and user.
    package static func grouped(_ rows: [Row], catalog: PermissionCatalog) -> [UserAccessChange] {
        var groups: [[String]: [Row]] = [:]
        for row in rows { groups[[row.userKey, String(row.at.microsecondsSinceEpoch)], default: []].append(row) }
        let changes = groups.values.map { rows -> UserAccessChange in
            let gained = Set(rows.filter(\.gained).map(\.permission)), lost = Set(rows.filter { !$0.gained }.map(\.permission))
            let (drift, severity) = EffectiveAccess.weigh(gained: Array(gained), lost: Array(lost), catalog: catalog)
            let first = rows.min { $0.eventID < $1.eventID }!
            let via = Set(rows.compactMap(\.via)).sorted()
            var names: [String: String] = [:]
            for row in rows { if let key = row.via, let name = row.viaName { names[key] = name } }
            var change = UserAccessChange(
                userKey: first.userKey, username: rows.compactMap(\.username).first, at: first.at,
                gained: gained.sorted(), lost: lost.sorted(), via: via,
                drift: drift, severity: severity,
                eventID: first.eventID, eventTable: first.eventTable, principal: rows.compactMap(\.principal).min())
            change.viaNames = via.map { names[$0] ?? $0 }
            return change
        }
        return changes.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if (a.drift == .widened) != (b.drift == .widened) { return a.drift == .widened }
            if a.at != b.at { return a.at < b.at }
            return a.userKey < b.userKey
        }
    }
}

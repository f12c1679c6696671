import AuditCore
import AuditModel
import AuditTime
import Foundation

/// The report as OCSF events, one JSON object a line, for Security Lake custom sources and
/// SIEM pipelines. Classes and attributes from the OCSF schema 1.8.0 (github.com/ocsf/
/// ocsf-schema, tag 1.8.0; the tests validate every event against it):
///
/// - a profile's change: IAM (category_uid 3) / Entity Management (class_uid 3004),
///   `activity_id` 1 Create (created, recreated), 3 Update (modified, touched), 4 Delete;
///   the profile as `entity` (a `managed_entity`: name, uid its key, type
///   "Security Profile", data its diff);
/// - a user's access moved: IAM / User Access Management (3005), `activity_id` 1 Assign
///   Privileges for what was gained, 2 Revoke Privileges for what was lost (a move with both
///   is two events), `privileges` the permissions, `user`, `resources` the profiles through
///   which.
///
/// Both: `type_uid` = class_uid * 100 + activity_id; `severity_id` 1 Informational to 5
/// Critical from the severity; `time` in epoch milliseconds; `metadata` with the schema's
/// version and the product; `actor` when CloudTrail names who; `unmapped` with what OCSF has no
/// attribute for (drift, holders, account).
package enum OCSFReport {
    package static let version = "1.8.0"

    package static func render(_ report: DriftReport) throws -> String {
        var lines: [String] = []
        for item in try report.items where item.kind != .discovered {
            lines.append(CanonicalJSON.text(entityManagement(item)))
        }
        for change in report.userChanges {
            if !change.gained.isEmpty { lines.append(CanonicalJSON.text(userAccess(change, assign: true))) }
            if !change.lost.isEmpty { lines.append(CanonicalJSON.text(userAccess(change, assign: false))) }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    static func severityID(_ severity: Severity) -> Int {
        switch severity {
        case .info: 1
        case .low: 2
        case .medium: 3
        case .high: 4
        case .critical: 5
        }
    }

    static func milliseconds(_ instant: Instant?) -> Int64 { (instant?.microsecondsSinceEpoch ?? 0) / 1_000 }

    static func metadata(uid: String) -> [String: Any] {
        ["version": version, "uid": uid, "product": ["name": "connect-audit", "vendor_name": "connect-audit"] as [String: Any]]
    }

    static func actor(_ principal: String?) -> [String: Any]? {
        principal.map { ["user": ["uid": $0, "type": "AWS principal"] as [String: Any]] }
    }

    static func entityManagement(_ item: ReportItem) -> [String: Any] {
        let activity: (id: Int, name: String) = switch item.kind {
        case .created, .recreated, .discovered: (1, "Create")
        case .modified, .touched: (3, "Update")
        case .deleted: (4, "Delete")
        }
        var entity: [String: Any] = ["uid": item.key, "type": "Security Profile"]
        if let name = item.name { entity["name"] = name }
        if let diff = try? JSONSerialization.jsonObject(with: Data(item.diff.json.utf8)) { entity["data"] = diff }
        var unmapped: [String: Any] = ["drift": item.drift.rawValue, "kind": item.kind.rawValue, "changed_fields": item.changedFields]
        if let account = item.accountID { unmapped["account_id"] = account }
        if let holders = item.holders { unmapped["holders"] = holders }
        var event = iamEvent(
            class: (3004, "Entity Management"), activity: activity, severity: item.severity, at: item.observedAt,
            message: "\(item.drift.rawValue): \(item.kind.rawValue) \(item.name ?? item.key)",
            uid: item.eventID.map { "change-event-\($0)" } ?? "baseline-\(item.key)", principal: item.attributions.first?.principalARN)
        event["entity"] = entity
        event["unmapped"] = unmapped
        return event
    }

    static func userAccess(_ change: UserAccessChange, assign: Bool) -> [String: Any] {
        var user: [String: Any] = ["uid": change.userKey]
        if let name = change.username { user["name"] = name }
        let names = change.viaNames.isEmpty ? change.via : change.viaNames
        let resources = zip(change.via, names).map { key, name -> [String: Any] in ["uid": key, "name": name, "type": "Security Profile"] }
        let activity = assign ? (id: 1, name: "Assign Privileges") : (id: 2, name: "Revoke Privileges")
        var event = iamEvent(
            class: (3005, "User Access Management"), activity: activity, severity: change.severity, at: change.at,
            message: "\(change.username ?? change.userKey) \(assign ? "gained" : "lost") " + (assign ? change.gained : change.lost).joined(separator: ", "),
            uid: "\(change.eventTable)-\(change.eventID)-\(change.userKey)-\(assign ? "assign" : "revoke")", principal: change.principal)
        event["privileges"] = assign ? change.gained : change.lost
        event["user"] = user
        event["resources"] = resources
        event["unmapped"] = ["drift": change.drift.rawValue]
        return event
    }

    /// What every event of the IAM category carries: its class and activity (type_uid =
    /// class_uid * 100 + activity_id), severity, time, message, metadata and actor.
    static func iamEvent(
        class: (uid: Int, name: String), activity: (id: Int, name: String), severity: Severity, at time: Instant?, message: String,
        uid: String, principal: String?
    ) -> [String: Any] {
        var event: [String: Any] = [
            "category_uid": 3, "category_name": "Identity & Access Management",
            "class_uid": `class`.uid, "class_name": `class`.name,
            "activity_id": activity.id, "activity_name": activity.name, "type_uid": `class`.uid * 100 + activity.id,
            "severity_id": severityID(severity), "severity": severity.rawValue.capitalized,
            "time": milliseconds(time), "message": message, "metadata": metadata(uid: uid),
        ]
        if let actor = actor(principal) { event["actor"] = actor }
        return event
    }
}

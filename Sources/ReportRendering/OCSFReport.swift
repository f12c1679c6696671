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
        var event: [String: Any] = [
            "category_uid": 3, "category_name": "Identity & Access Management",
            "class_uid": 3004, "class_name": "Entity Management",
            "activity_id": activity.id, "activity_name": activity.name, "type_uid": 300_400 + activity.id,
            "severity_id": severityID(item.severity), "severity": item.severity.rawValue.capitalized,
            "time": milliseconds(item.observedAt),
            "message": "\(item.drift.rawValue): \(item.kind.rawValue) \(item.name ?? item.key)",
            "metadata": metadata(uid: item.eventID.map { "change-event-\($0)" } ?? "baseline-\(item.key)"),
            "entity": entity, "unmapped": unmapped,
        ]
        if let actor = actor(item.attributions.first?.principalARN) { event["actor"] = actor }
        return event
    }

    static func userAccess(_ change: UserAccessChange, assign: Bool) -> [String: Any] {
        var user: [String: Any] = ["uid": change.userKey]
        if let name = change.username { user["name"] = name }
        let names = change.viaNames.isEmpty ? change.via : change.viaNames
        let resources = zip(change.via, names).map { key, name -> [String: Any] in ["uid": key, "name": name, "type": "Security Profile"] }
        let activity = assign ? (id: 1, name: "Assign Privileges") : (id: 2, name: "Revoke Privileges")
        var event: [String: Any] = [
            "category_uid": 3, "category_name": "Identity & Access Management",
            "class_uid": 3005, "class_name": "User Access Management",
            "activity_id": activity.id, "activity_name": activity.name, "type_uid": 300_500 + activity.id,
            "severity_id": severityID(change.severity), "severity": change.severity.rawValue.capitalized,
            "time": milliseconds(change.at),
            "message": "\(change.username ?? change.userKey) \(assign ? "gained" : "lost") " + (assign ? change.gained : change.lost).joined(separator: ", "),
            "metadata": metadata(uid: "\(change.eventTable)-\(change.eventID)-\(change.userKey)-\(assign ? "assign" : "revoke")"),
            "privileges": assign ? change.gained : change.lost, "user": user, "resources": resources,
            "unmapped": ["drift": change.drift.rawValue],
        ]
        if let actor = actor(change.principal) { event["actor"] = actor }
        return event
    }
}

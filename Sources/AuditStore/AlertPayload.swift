import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading

/// The JSON an alert carries (webhook `json` style, stdout, NOTIFY).
package enum AlertPayload {
    package static func json(_ event: AlertEvent, rule: String, alertID: Int64?) -> String {
        var out = "{\"alert_id\":" + (alertID.map(String.init) ?? "null")
        out += ",\"attribution\":[" + event.attributions.map(\.json).joined(separator: ",") + "]"
        out += ",\"changed_fields\":" + CanonicalJSON.text(event.changedFields)
        out += ",\"drift\":" + CanonicalJSON.text(event.drift.rawValue)
        out += ",\"event_id\":" + String(event.eventID)
        if let user = event.user {
            out += ",\"gained\":" + CanonicalJSON.text(user.gained)
        }
        out += ",\"holders\":" + (event.holders.map(String.init) ?? "null")
        out += ",\"kind\":" + CanonicalJSON.text(event.kind.rawValue)
        if let user = event.user {
            out += ",\"lost\":" + CanonicalJSON.text(user.lost)
        }
        out += ",\"observed_at\":" + CanonicalJSON.text(event.observedAt.iso8601)
        // A user-level change names its user; its profiles are in `via`.
        let isUser = event.user != nil
        out += ",\"profile_key\":" + (isUser ? "null" : CanonicalJSON.text(event.key))
        out += ",\"profile_name\":" + (isUser ? "null" : event.name.map { CanonicalJSON.text($0) } ?? "null")
        out += ",\"rule\":" + CanonicalJSON.text(rule)
        out += ",\"severity\":" + CanonicalJSON.text(event.severity.rawValue)
        out += ",\"subject\":" + (isUser ? "\"user\"" : "\"profile\"")
        if let user = event.user {
            out += ",\"user_key\":" + CanonicalJSON.text(event.key)
            out += ",\"username\":" + (event.name.map { CanonicalJSON.text($0) } ?? "null")
            out += ",\"via\":" + CanonicalJSON.text(user.via)
        }
        return out + "}"
    }

    /// One line for chat tools.
    package static func slackText(_ event: AlertEvent, rule: String) -> String {
        let fields = event.changedFields.isEmpty ? "" : " (" + event.changedFields.joined(separator: ", ") + ")"
        let who = event.attributions.first.map { " " + $0.summary } ?? ""
        let held = event.holders.map { " held by \($0) user\($0 == 1 ? "" : "s")" } ?? ""
        let text = "[\(event.severity.rawValue)] \(event.drift.rawValue): \(event.kind.rawValue) \(event.name ?? event.key)\(fields)\(held)\(who)"
            + (event.user.map { " " + userSummary($0) } ?? "") + " - rule \(rule)"
        return TextEscaping.slack(text)
    }

    /// "gained A, B; lost C; via P": what a user-level alert's user gained and lost.
    package static func userSummary(_ user: AlertEvent.UserAccess) -> String {
        var parts: [String] = []
        if !user.gained.isEmpty { parts.append("gained " + user.gained.joined(separator: ", ")) }
        if !user.lost.isEmpty { parts.append("lost " + user.lost.joined(separator: ", ")) }
        if !user.via.isEmpty { parts.append("via " + user.via.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }
}

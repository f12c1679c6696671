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
        out += ",\"kind\":" + CanonicalJSON.text(event.kind.rawValue)
        out += ",\"observed_at\":" + CanonicalJSON.text(event.observedAt.iso8601)
        out += ",\"profile_key\":" + CanonicalJSON.text(event.key)
        out += ",\"profile_name\":" + (event.name.map { CanonicalJSON.text($0) } ?? "null")
        out += ",\"rule\":" + CanonicalJSON.text(rule)
        out += ",\"severity\":" + CanonicalJSON.text(event.severity.rawValue)
        return out + "}"
    }

    /// One line for chat tools.
    package static func slackText(_ event: AlertEvent, rule: String) -> String {
        let fields = event.changedFields.isEmpty ? "" : " (" + event.changedFields.joined(separator: ", ") + ")"
        let who = event.attributions.first.map { " " + $0.summary } ?? ""
        let text = "[\(event.severity.rawValue)] \(event.drift.rawValue): \(event.kind.rawValue) \(event.name ?? event.key)\(fields)\(who) - rule \(rule)"
        return TextEscaping.slack(text)
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient

/// User-level alerts: written with the user events, delivered as profile alerts are.
extension AlertOutbox {
    /// Writes one row per (user event, rule, channel) a rule `on: [users]` matches, inside
    /// the caller's transaction: each event's change of effective access (the profiles held
    /// before and after, with their open versions' permissions) weighed by `catalog`. An
    /// event that moved no permission raises nothing. `notify` channels are sent here.
    func enqueue(
        _ events: [ChainedUserEvent], before: [String: ConnectUser], after: [String: ConnectUser], rules: AlertRules,
        catalog: PermissionCatalog
    ) throws {
        guard !events.isEmpty, rules.rules.contains(where: { $0.about.contains(.users) }) else { return }
        let held = { (user: ConnectUser?) in user?.securityProfileIDs ?? [] }
        let ids = Set(events.flatMap { held(before[$0.draft.key]) + held(after[$0.draft.key]) })
        // The open profile versions those ids name, by (instance, id): key and permissions.
        var profiles: [String: (key: String, permissions: [String])] = [:]
        for row in try connection.query("""
            SELECT scope_instance, id, profile_key, permissions FROM connect_audit.profile_versions
            WHERE valid_to IS NULL AND id = ANY ($1::text[])
            """, [ids.sorted()]) {
            profiles[try row.decode(String.self, at: 0) + "/" + row.decode(String.self, at: 1)] =
                (try row.decode(String.self, at: 2), try row.decode([String].self, at: 3))
        }
        func grants(_ user: ConnectUser?, instance: String) -> [String: [String]] {
            var out: [String: [String]] = [:]
            for id in held(user) { if let profile = profiles[instance + "/" + id] { out[profile.key] = profile.permissions } }
            return out
        }
        var rows: [(event: AlertEvent, rule: String, channel: AlertChannel, access: String)] = []
        for chained in events {
            let draft = chained.draft
            let user = after[draft.key] ?? before[draft.key]
            guard let (subject, change) = UserAlerting.subject(
                of: draft, accountID: user?.accountID, before: grants(before[draft.key], instance: draft.instance),
                after: draft.kind == .deleted ? [:] : grants(after[draft.key], instance: draft.instance), catalog: catalog)
            else { continue }
            var event = AlertEvent(
                eventID: chained.id, key: draft.key, name: draft.username, kind: subject.kind, observedAt: chained.observedAt,
                drift: change.drift, severity: change.severity, changedFields: draft.changedFields)
            event.accountID = user?.accountID
            event.user = UserAlerting.access(change)
            for (rule, channel) in rules.matches(subject) { rows.append((event, rule, channel, Self.accessJSON(event))) }
        }
        guard !rows.isEmpty else { return }
        try connection.copyIn("COPY connect_audit.alert_outbox (user_event_id, rule, channel, state, delivered_at, user_access) FROM STDIN") { writer in
            for row in rows {
                try writer.append(row.event.eventID)
                try writer.append(row.rule)
                try writer.append(row.channel.name)
                let notify = if case .notify = row.channel.kind { true } else { false }
                try writer.append(notify ? "delivered" : "pending")
                try writer.append(notify ? "now" : nil as String?)
                try writer.append(row.access)
                try writer.endRow()
            }
        }
        for row in rows {
            guard case .notify(let channel) = row.channel.kind else { continue }
            try connection.notify(channel, payload: AlertPayload.json(row.event, rule: row.rule, alertID: nil))
        }
    }

    /// What a user alert keeps of its change: drift, severity, gained, lost, via.
    static func accessJSON(_ event: AlertEvent) -> String {
        CanonicalJSON.text([
            "drift": event.drift.rawValue, "severity": event.severity.rawValue, "gained": event.user?.gained ?? [],
            "lost": event.user?.lost ?? [], "via": event.user?.via ?? [],
        ] as [String: Any])
    }

    static let selectUserAlert = """
        SELECT o.id, o.rule, o.channel, o.state, o.attempts, o.last_error,
               e.id, e.user_key, e.username, v.account_id, e.kind, e.observed_at, e.changed_fields, o.user_access::text
        FROM connect_audit.alert_outbox o
        JOIN connect_audit.user_events e ON e.id = o.user_event_id
        LEFT JOIN connect_audit.user_versions v ON v.user_key = e.user_key AND v.version = coalesce(e.to_version, e.from_version)
        """

    /// A user alert's row as an `OutboxAlert`.
    static func userAlert(_ row: PostgresRow) throws -> OutboxAlert {
        guard let kind = UserChangeKind(rawValue: try row.decode(String.self, at: 10)),
              let access = try JSONSerialization.jsonObject(with: Data(try row.decode(String.self, at: 13).utf8)) as? [String: Any],
              let drift = (access["drift"] as? String).flatMap(DriftClass.init(rawValue:)),
              let severity = (access["severity"] as? String).flatMap(Severity.init(rawValue:))
        else { throw StoreError.tampered("a user alert's event kind or stored change is not one connect-audit writes") }
        var event = AlertEvent(
            eventID: try row.decode(Int64.self, at: 6), key: try row.decode(String.self, at: 7), name: try row.decodeIfPresent(String.self, at: 8),
            kind: kind.alertKind, observedAt: try row.decode(Instant.self, at: 11), drift: drift, severity: severity,
            changedFields: try row.decode([String].self, at: 12))
        event.accountID = try row.decodeIfPresent(String.self, at: 9)
        event.user = AlertEvent.UserAccess(
            gained: access["gained"] as? [String] ?? [], lost: access["lost"] as? [String] ?? [], via: access["via"] as? [String] ?? [])
        return OutboxAlert(
            id: try row.decode(Int64.self, at: 0), rule: try row.decode(String.self, at: 1),
            channel: try row.decode(String.self, at: 2), state: try row.decode(String.self, at: 3),
            attempts: try row.decode(Int.self, at: 4), lastError: try row.decodeIfPresent(String.self, at: 5), event: event)
    }
}

import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation

/// The bodies each channel's receiver documents:
/// - Slack incoming webhooks take Block Kit (`text` as the notification fallback, `blocks`
///   with a `header` of plain text, `section` fields in mrkdwn, a `context`): Slack's
///   "Sending messages using incoming webhooks" and "Block Kit" reference.
/// - Teams Workflows webhooks take a `message` whose attachment is an Adaptive Card
///   (`contentType` `application/vnd.microsoft.card.adaptive`, `TextBlock`, `FactSet`):
///   Microsoft's "Send Adaptive Cards using an Incoming Webhook".
/// - PagerDuty's Events API v2 takes `routing_key`, `event_action` `trigger`,
///   `dedup_key`, and a `payload` of `summary` (at most 1,024 characters), `source`,
///   `severity` (`critical`, `error`, `warning`, `info`), `timestamp`, `component`,
///   `group`, `class`, `custom_details`.
/// Every field of a chat payload passes through its format's one escaping function
/// (`TextEscaping.slack`, `TextEscaping.teams`); Slack's `mrkdwn` text objects are also
/// `verbatim` (Slack's Block Kit reference, "Text object": URLs, conversation names and
/// mentions are then not turned into links), and Teams' `TextBlock` and `FactSet` values
/// take a Markdown subset with links (Microsoft's "Text features in Adaptive Cards"). PagerDuty shows plain text: control
/// characters escaped as on a terminal. JSON strings everywhere.
package enum ChannelPayloads {
    static func json(_ value: Any) -> String { CanonicalJSON.text(value) }

    /// Who, for a line of text, or nil.
    static func who(_ event: AlertEvent) -> String? { event.attributions.first?.summary }

    static func title(_ event: AlertEvent) -> String {
        let subject = event.user == nil ? "" : "user "
        return "[\(event.severity.rawValue)] \(event.drift.rawValue): \(event.kind.rawValue) \(subject)\(event.name ?? event.key)"
    }

    /// The facts of one alert, in order.
    static func facts(_ event: AlertEvent, rule: String) -> [(String, String)] {
        var facts = [
            ("Severity", event.severity.rawValue), ("Drift", event.drift.rawValue), ("Kind", event.kind.rawValue),
            (event.user == nil ? "Profile" : "User", event.name ?? event.key), ("Account", event.accountID ?? "-"),
            ("Changed", event.changedFields.isEmpty ? "-" : event.changedFields.joined(separator: ", ")),
            ("Observed", event.observedAt.iso8601), ("Rule", rule),
        ]
        if let holders = event.holders { facts.append(("Held by", "\(holders) user\(holders == 1 ? "" : "s")")) }
        if let user = event.user { facts.append(("Access", AlertPayload.userSummary(user))) }
        if let who = who(event) { facts.append(("Who", who)) }
        return facts
    }

    // MARK: Slack

    package static func slack(_ event: AlertEvent, rule: String) -> String {
        let escape = TextEscaping.slack
        let fields = facts(event, rule: rule).prefix(10).map { ["type": "mrkdwn", "text": "*\($0.0)*\n\(escape($0.1))", "verbatim": true] as [String: Any] }
        return json([
            "text": escape(title(event)),
            "blocks": [
                ["type": "header", "text": ["type": "plain_text", "text": String(escape(title(event)).prefix(150))]] as [String: Any],
                ["type": "section", "fields": fields] as [String: Any],
                ["type": "context", "elements": [["type": "mrkdwn", "text": escape("event #\(event.eventID) · \(event.key)"), "verbatim": true] as [String: Any]]] as [String: Any],
            ],
        ])
    }

    package static func slack(_ digest: AlertDigest) -> String {
        let escape = TextEscaping.slack
        let lines = digest.top.map { "• " + escape(title($0)) }.joined(separator: "\n")
        return json([
            "text": escape(digest.headline),
            "blocks": [
                ["type": "header", "text": ["type": "plain_text", "text": String(escape(digest.headline).prefix(150))]] as [String: Any],
                ["type": "section", "text": ["type": "mrkdwn", "text": "*The \(digest.top.count) most severe*\n" + lines, "verbatim": true] as [String: Any]] as [String: Any],
                ["type": "context", "elements": [["type": "mrkdwn", "text": escape(digest.howToSeeTheRest), "verbatim": true] as [String: Any]]] as [String: Any],
            ],
        ])
    }

    // MARK: Teams

    static func card(_ body: [[String: Any]]) -> String {
        json([
            "type": "message",
            "attachments": [[
                "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(),
                "content": ["$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4", "body": body] as [String: Any],
            ] as [String: Any]],
        ])
    }

    package static func teams(_ event: AlertEvent, rule: String) -> String {
        let escape = TextEscaping.teams
        return card([
            ["type": "TextBlock", "text": escape(title(event)), "weight": "Bolder", "size": "Medium", "wrap": true],
            ["type": "FactSet", "facts": facts(event, rule: rule).map { ["title": escape($0.0), "value": escape($0.1)] }],
        ])
    }

    package static func teams(_ digest: AlertDigest) -> String {
        let escape = TextEscaping.teams
        return card([
            ["type": "TextBlock", "text": escape(digest.headline), "weight": "Bolder", "size": "Medium", "wrap": true],
            ["type": "FactSet", "facts": digest.top.map { ["title": $0.severity.rawValue, "value": escape(title($0))] }],
            ["type": "TextBlock", "text": escape(digest.howToSeeTheRest), "isSubtle": true, "wrap": true],
        ])
    }

    // MARK: PagerDuty

    /// PagerDuty's severities for ours.
    static func pagerDutySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "critical"
        case .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "info"
        }
    }

    package static func pagerDuty(_ event: AlertEvent, rule: String, alertID: Int64, routingKey: String) -> String {
        var details: [String: Any] = ["event_id": event.eventID, "profile_key": event.key, "kind": event.kind.rawValue,
                                      "drift": event.drift.rawValue, "changed_fields": event.changedFields, "rule": rule]
        if let who = who(event) { details["who"] = TextEscaping.terminal(who) }
        return json([
            "routing_key": routingKey, "event_action": "trigger",
            // The alert's idempotency key: a re-sent alert updates the same PagerDuty alert.
            "dedup_key": "connect-audit-alert-\(alertID)",
            "payload": [
                "summary": String(TextEscaping.terminal(title(event)).prefix(1_024)), "source": "connect-audit", "severity": pagerDutySeverity(event.severity),
                "timestamp": event.observedAt.iso8601, "component": TextEscaping.terminal(event.name ?? event.key), "class": event.drift.rawValue,
                "group": event.accountID ?? "-",
                "custom_details": details,
            ] as [String: Any],
        ])
    }

    package static func pagerDuty(_ digest: AlertDigest, routingKey: String) -> String {
        json([
            "routing_key": routingKey, "event_action": "trigger", "dedup_key": "connect-audit-digest-\(digest.id)",
            "payload": [
                "summary": String(TextEscaping.terminal(digest.headline).prefix(1_024)), "source": "connect-audit",
                "severity": pagerDutySeverity(digest.events.first?.severity ?? .info), "class": "digest",
                "custom_details": ["most_severe": digest.top.map { TextEscaping.terminal(title($0)) }, "see_all": digest.howToSeeTheRest],
            ] as [String: Any],
        ])
    }

    // MARK: Datadog events

    /// One Datadog event (datadog-api-client's v2 `EventCreateRequestPayload`: `data.type`
    /// `event`; `attributes` `category` `alert`, `title`, `message` (at most 4,000
    /// characters), `tags`, `aggregation_key` (at most 100), and the alert category's
    /// `attributes`: `status` `error`|`warn`|`ok`, `priority` `1`..`5`, `custom` the alert's
    /// JSON). Tagged so that a Datadog monitor can alert on them: account, instance,
    /// severity, drift, kind, subject, rule.
    static func datadog(_ event: AlertEvent, rule: String, alertID: Int64) -> String {
        var tags = [
            "source:connect-audit", "severity:\(event.severity.rawValue)", "drift:\(event.drift.rawValue)",
            "kind:\(event.kind.rawValue)", "subject:\(event.user == nil ? "profile" : "user")", "rule:\(rule)",
        ]
        if let account = event.accountID { tags.append("account:\(account)") }
        if let instance = SecurityProfile.instance(inKey: event.key) { tags.append("instance:\(instance)") }
        let custom = (try? JSONSerialization.jsonObject(with: Data(AlertPayload.json(event, rule: rule, alertID: alertID).utf8))) ?? [:]
        var text = facts(event, rule: rule).map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        if text.count > 4_000 { text = String(text.prefix(4_000)) }
        return datadogEvent(
            title: TextEscaping.terminal(title(event)), message: text, tags: tags,
            aggregationKey: "connect-audit-alert-\(alertID)", severity: event.severity, custom: custom)
    }

    /// A digest as one Datadog event, its status and priority the most severe alert's.
    static func datadog(_ digest: AlertDigest) -> String {
        let severity = digest.events.first?.severity ?? .info
        let custom = (try? JSONSerialization.jsonObject(with: Data(json(digest).utf8))) ?? [:]
        let lines = digest.top.map { TextEscaping.terminal(title($0)) } + [digest.howToSeeTheRest]
        return datadogEvent(
            title: TextEscaping.terminal(digest.headline), message: String(lines.joined(separator: "\n").prefix(4_000)),
            tags: ["source:connect-audit", "severity:\(severity.rawValue)", "subject:digest", "channel:\(digest.channel)"],
            aggregationKey: "connect-audit-digest-\(digest.id)", severity: severity, custom: custom)
    }

    private static func datadogEvent(
        title: String, message: String, tags: [String], aggregationKey: String, severity: Severity, custom: Any
    ) -> String {
        // A change to report is never "ok" (that is a recovery): critical and high are errors.
        let status = severity >= .high ? "error" : "warn"
        let priority: String = switch severity {
        case .critical: "1"
        case .high: "2"
        case .medium: "3"
        case .low: "4"
        case .info: "5"
        }
        return json([
            "data": [
                "type": "event",
                "attributes": [
                    "category": "alert", "title": String(title.prefix(500)), "message": message, "tags": tags,
                    "aggregation_key": String(aggregationKey.prefix(100)),
                    "attributes": ["status": status, "priority": priority, "custom": custom] as [String: Any],
                ] as [String: Any],
            ] as [String: Any],
        ])
    }

    // MARK: Splunk HTTP Event Collector

    /// One HEC event: the envelope of Splunk's "Format events for HTTP Event Collector"
    /// (`time` in epoch seconds, `source`, `sourcetype`, `index` when set, `event` the
    /// alert's JSON as every JSON channel sends it, `fields` indexed fields to search on).
    static func splunk(event: String, at time: Instant, fields: [String: String], index: String?, sourcetype: String) -> String {
        var out = "{\"event\":" + event + ",\"fields\":" + json(fields)
        if let index { out += ",\"index\":" + json(index) }
        out += ",\"source\":\"connect-audit\",\"sourcetype\":" + json(sourcetype)
        out += ",\"time\":" + String(format: "%.6f", Double(time.microsecondsSinceEpoch) / 1_000_000)
        return out + "}"
    }

    /// The fields a SIEM rule keys on, indexed by HEC.
    static func splunkFields(_ event: AlertEvent) -> [String: String] {
        var fields = [
            "severity": event.severity.rawValue, "drift": event.drift.rawValue, "kind": event.kind.rawValue,
            "subject": event.user == nil ? "profile" : "user",
        ]
        if let account = event.accountID { fields["account"] = account }
        return fields
    }

    // MARK: JSON (webhook json style, stdout)

    package static func json(_ digest: AlertDigest) -> String {
        "{\"alerts\":\(digest.events.count),\"by_drift\":{" + digest.byDrift.map { "\"\($0.0.rawValue)\":\($0.1)" }.joined(separator: ",")
            + "},\"by_severity\":{" + digest.bySeverity.map { "\"\($0.0.rawValue)\":\($0.1)" }.joined(separator: ",")
            + "},\"channel\":" + CanonicalJSON.text(digest.channel) + ",\"digest_id\":\(digest.id)"
            + ",\"most_severe\":[" + digest.top.map { AlertPayload.json($0, rule: "", alertID: nil) }.joined(separator: ",") + "]"
            + ",\"see_all\":" + CanonicalJSON.text(digest.howToSeeTheRest) + ",\"snapshot_id\":\(digest.snapshotID)}"
    }
}

import AuditModel
import Foundation
import ByteKernels

/// The alert rules: channels and rules (the file is YAML, read by the CLI's `AlertRulesFile`).
///
/// ```yaml
/// channels:
///   security-slack: {type: webhook, url: "https://hooks.example/T0/B0", style: slack,
///                    headers_from_env: {Authorization: SLACK_TOKEN}, timeout: 10}
///   audit-log: {type: stdout}
///   pg: {type: notify, channel: connect_audit_alerts}
/// rules:
///   - name: admin-given-to-someone       # user-level: a user's permissions moved by a change
///     on: [users]                        # of the user (assigned, created, ...); an edit of a
///                                        # profile alerts once, as the profile's change, with
///                                        # its holders (min_holders), never once per holder
///     drift: [widened]
///     min_severity: critical
///     channels: [security-slack]
///   - name: wide-blast                   # a profile held by many changed
///     drift: [widened]
///     min_holders: 50
///     channels: [security-slack]
///   - name: access-widened
///     kinds: [created, modified, recreated]
///     drift: [widened]
///     min_severity: high
///     accounts: ["123456789012"]
///     profile_name: "*Admin*"
///     changed_fields: [tag_restricted_resources, allowed_access_control_tags, permissions]
///     channels: [security-slack, audit-log]
/// ```
package struct AlertRules: Sendable {
    package var channels: [String: AlertChannel]
    package var rules: [AlertRule]

    /// The (rule, channel) pairs an event matches, in rule order.
    package func matches(_ subject: AlertSubject) -> [(rule: String, channel: AlertChannel)] {
        var out: [(String, AlertChannel)] = []
        for rule in rules where rule.matches(subject) {
            for name in rule.channels { if let channel = channels[name] { out.append((rule.name, channel)) } }
        }
        return out
    }

    /// Rules from parsed channels and rules (the CLI reads the YAML file).
    package init(channels: [String: AlertChannel], rules: [AlertRule]) {
        self.channels = channels
        self.rules = rules
    }
}

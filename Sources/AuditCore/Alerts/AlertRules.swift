import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// Where an alert goes.
public struct AlertChannel: Hashable, Sendable {
    /// How a webhook's body is shaped.
    public enum Style: String, Sendable, CaseIterable {
        /// `{"text": "..."}`, which Slack's incoming webhooks (and many chat tools) take.
        case slack
        /// The event as JSON.
        case json
    }

    /// The kinds of channel.
    public enum Kind: Hashable, Sendable {
        /// HTTP POST; header values come from environment variables (secrets stay out of
        /// the file).
        case webhook(url: String, style: Style, headersFromEnvironment: [String: String], timeoutSeconds: Double)
        /// One JSON line per alert on standard output (of `alerts deliver`).
        case stdout
        /// PostgreSQL `NOTIFY` on the named channel, sent in the ingest's transaction.
        case notify(channel: String)
    }

    public var name: String
    public var kind: Kind

    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// One rule: which events it matches, and the channels it names. Absent criteria match all.
public struct AlertRule: Hashable, Sendable {
    public var name: String
    public var kinds: Set<ChangeKind>?
    public var drift: Set<DriftClass>?
    public var minSeverity: Severity
    public var accounts: Set<String>?
    /// A shell-style pattern (`*`, `?`, `[...]`) on the profile's name.
    public var profileName: String?
    /// Matches when any of these fields changed.
    public var changedFields: Set<String>?
    public var channels: [String]

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

/// What a rule looks at in an event.
public struct AlertSubject: Sendable {
    public var kind: ChangeKind
    public var drift: DriftClass
    public var severity: Severity
    public var accountID: String?
    public var profileName: String?
    public var changedFields: [String]

    public init(kind: ChangeKind, drift: DriftClass, severity: Severity, accountID: String?, profileName: String?, changedFields: [String]) {
        self.kind = kind
        self.drift = drift
        self.severity = severity
        self.accountID = accountID
        self.profileName = profileName
        self.changedFields = changedFields
    }
}

/// A rules file that cannot be used: where and why.
public struct AlertRulesError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }

    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
}

/// The alert rules: channels and rules (the file is YAML, read by the CLI's `AlertRulesFile`).
///
/// ```yaml
/// channels:
///   security-slack: {type: webhook, url: "https://hooks.example/T0/B0", style: slack,
///                    headers_from_env: {Authorization: SLACK_TOKEN}, timeout: 10}
///   audit-log: {type: stdout}
///   pg: {type: notify, channel: connect_audit_alerts}
/// rules:
///   - name: access-widened
///     kinds: [created, modified, recreated]
///     drift: [widened]
///     min_severity: high
///     accounts: ["123456789012"]
///     profile_name: "*Admin*"
///     changed_fields: [tag_restricted_resources, allowed_access_control_tags, permissions]
///     channels: [security-slack, audit-log]
/// ```
public struct AlertRules: Sendable {
    public var channels: [String: AlertChannel]
    public var rules: [AlertRule]

    /// The (rule, channel) pairs an event matches, in rule order.
    public func matches(_ subject: AlertSubject) -> [(rule: String, channel: AlertChannel)] {
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

extension AlertRule {
    func matches(_ subject: AlertSubject) -> Bool {
        if let kinds, !kinds.contains(subject.kind) { return false }
        if let drift, !drift.contains(subject.drift) { return false }
        if subject.severity < minSeverity { return false }
        if let accounts, !(subject.accountID.map(accounts.contains) ?? false) { return false }
        if let profileName, fnmatch(profileName, subject.profileName ?? "", 0) != 0 { return false }
        if let changedFields, !subject.changedFields.contains(where: changedFields.contains) { return false }
        return true
    }
}

import AuditCore
import AuditModel
import Foundation
import SnapshotReading
import Yams

/// Reads an alert rules file (YAML, with Yams) into `AlertRules`: the core matches events
/// against rules and knows no YAML.
package enum AlertRulesFile {
    static func load(_ path: String) throws -> AlertRules {
        try parse(try YAMLFile.contents(of: path, what: "rules file"), file: path)
    }

    /// Parses a rules file.
    /// - Throws: `ConfigFileError` naming the line and the reason: bad YAML, an unknown key,
    ///   a wrong value, a rule naming a channel that is not defined.
    package static func parse(_ text: String, file: String) throws(ConfigFileError) -> AlertRules {
        guard let root = try YAMLFile.compose(text, file: file), let top = root.mapping else {
            throw ConfigFileError(file: file, line: 1, message: "expected a mapping with `channels` and `rules`")
        }
        let reader = NodeReader(file: file)
        try reader.allowOnly(["channels", "rules"], in: top, what: "the top level")
        var channels: [String: AlertChannel] = [:]
        if let node = top["channels"] {
            guard let mapping = node.mapping else { throw reader.error(node, "`channels` must map names to channels") }
            for (key, value) in mapping {
                guard let name = key.string, !name.isEmpty else { throw reader.error(key, "a channel needs a name") }
                channels[name] = try reader.channel(name, value)
            }
        }
        var rules: [AlertRule] = []
        guard let ruleNodes = top["rules"]?.sequence else {
            throw reader.error(root, "`rules` must be a list of rules")
        }
        for node in ruleNodes {
            let rule = try reader.rule(node)
            for channel in rule.channels where channels[channel] == nil {
                throw reader.error(node, "rule \(rule.name) names channel \(channel), which is not defined under `channels` (defined: \(channels.keys.sorted().joined(separator: ", ")))")
            }
            if rules.contains(where: { $0.name == rule.name }) { throw reader.error(node, "two rules are named \(rule.name)") }
            rules.append(rule)
        }
        return AlertRules(channels: channels, rules: rules)
    }
}

/// The rules file's own values.
extension NodeReader {
    func channel(_ name: String, _ node: Node) throws(ConfigFileError) -> AlertChannel {
        guard let mapping = node.mapping else { throw error(node, "channel \(name) must be a mapping with a `type`") }
        let type = try string(mapping["type"], "the `type` of channel \(name)", in: node)
        switch type {
        case "webhook":
            try allowOnly(["type", "url", "style", "headers_from_env", "timeout", "digest_over"], in: mapping, what: "webhook channel \(name)")
            let url = try string(mapping["url"], "the `url` of channel \(name)", in: node)
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https" else {
                throw error(mapping["url"] ?? node, "channel \(name): `url` must be an http or https URL")
            }
            var style = AlertChannel.Style.json
            if let styleNode = mapping["style"] {
                guard let value = styleNode.string.flatMap(AlertChannel.Style.init(rawValue:)) else {
                    throw error(styleNode, "channel \(name): `style` must be slack or json")
                }
                style = value
            }
            var headers: [String: String] = [:]
            if let headerNode = mapping["headers_from_env"] {
                guard let headerMapping = headerNode.mapping else {
                    throw error(headerNode, "channel \(name): `headers_from_env` maps header names to environment variables")
                }
                for (key, value) in headerMapping {
                    headers[try string(key, "a header name", in: headerNode)] = try string(value, "an environment variable name", in: headerNode)
                }
            }
            let timeout = try timeoutSeconds(mapping, name)
            return AlertChannel(
                name: name, kind: .webhook(url: url, style: style, headersFromEnvironment: headers, timeoutSeconds: timeout),
                digestOver: try digestOver(mapping, name))
        case "slack", "teams":
            try allowOnly(["type", "url_from_env", "timeout", "digest_over"], in: mapping, what: "\(type) channel \(name)")
            let variable = try string(mapping["url_from_env"], "the `url_from_env` of channel \(name) (the webhook URL is a secret)", in: node)
            let timeout = try timeoutSeconds(mapping, name)
            let kind: AlertChannel.Kind = type == "slack"
                ? .slack(urlFromEnvironment: variable, timeoutSeconds: timeout) : .teams(urlFromEnvironment: variable, timeoutSeconds: timeout)
            return AlertChannel(name: name, kind: kind, digestOver: try digestOver(mapping, name))
        case "pagerduty":
            try allowOnly(["type", "routing_key_from_env", "url", "timeout", "digest_over"], in: mapping, what: "pagerduty channel \(name)")
            let variable = try string(mapping["routing_key_from_env"], "the `routing_key_from_env` of channel \(name)", in: node)
            let url = mapping["url"] == nil ? AlertChannel.pagerDutyEvents : try string(mapping["url"], "the `url` of channel \(name)", in: node)
            return AlertChannel(
                name: name, kind: .pagerduty(routingKeyFromEnvironment: variable, url: url, timeoutSeconds: try timeoutSeconds(mapping, name)),
                digestOver: try digestOver(mapping, name))
        case "splunk":
            try allowOnly(["type", "url", "token_from_env", "index", "sourcetype", "timeout", "digest_over"], in: mapping, what: "splunk channel \(name)")
            let url = try string(mapping["url"], "the `url` of channel \(name) (the HTTP Event Collector, e.g. https://splunk.example.com:8088)", in: node)
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
                throw error(mapping["url"] ?? node, "channel \(name): `url` must be an http or https URL")
            }
            let variable = try string(mapping["token_from_env"], "the `token_from_env` of channel \(name) (the HEC token is a secret)", in: node)
            return AlertChannel(
                name: name,
                kind: .splunk(
                    url: url, tokenFromEnvironment: variable,
                    index: mapping["index"] == nil ? nil : try string(mapping["index"], "the `index` of channel \(name)", in: node),
                    sourcetype: mapping["sourcetype"] == nil ? "connect-audit" : try string(mapping["sourcetype"], "the `sourcetype` of channel \(name)", in: node),
                    timeoutSeconds: try timeoutSeconds(mapping, name)),
                digestOver: try digestOver(mapping, name))
        case "datadog":
            try allowOnly(["type", "url", "timeout", "digest_over"], in: mapping, what: "datadog channel \(name)")
            var url: String?
            if mapping["url"] != nil {
                let text = try string(mapping["url"], "the `url` of channel \(name)", in: node)
                guard let parsed = URL(string: text), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
                    throw error(mapping["url"] ?? node, "channel \(name): `url` must be an http or https URL")
                }
                url = text
            }
            return AlertChannel(
                name: name, kind: .datadog(url: url, timeoutSeconds: try timeoutSeconds(mapping, name)), digestOver: try digestOver(mapping, name))
        case "stdout":
            try allowOnly(["type", "digest_over"], in: mapping, what: "stdout channel \(name)")
            return AlertChannel(name: name, kind: .stdout, digestOver: try digestOver(mapping, name))
        case "notify":
            try allowOnly(["type", "channel"], in: mapping, what: "notify channel \(name)")
            return AlertChannel(name: name, kind: .notify(channel: try string(mapping["channel"], "the `channel` of \(name)", in: node)))
        default:
            throw error(mapping["type"] ?? node, "channel \(name) has unknown type \(type); expected slack, teams, pagerduty, splunk, datadog, webhook, stdout or notify")
        }
    }

    /// `digest_over` (default 20): more alerts than this from one ingest make one digest.
    func digestOver(_ mapping: Node.Mapping, _ name: String) throws(ConfigFileError) -> Int {
        guard let node = mapping["digest_over"] else { return 20 }
        guard let value = node.int, value >= 1 else { throw error(node, "channel \(name): `digest_over` must be a whole number >= 1") }
        return value
    }

    /// `timeout` in seconds (default 10).
    func timeoutSeconds(_ mapping: Node.Mapping, _ name: String) throws(ConfigFileError) -> Double {
        guard let node = mapping["timeout"] else { return 10 }
        guard let seconds = node.float, seconds > 0, seconds <= 600 else { throw error(node, "channel \(name): `timeout` must be more than 0 and at most 600 seconds") }
        return seconds
    }

    func rule(_ node: Node) throws(ConfigFileError) -> AlertRule {
        guard let mapping = node.mapping else { throw error(node, "a rule must be a mapping") }
        try allowOnly(
            ["name", "on", "kinds", "drift", "min_severity", "accounts", "profile_name", "changed_fields", "min_holders", "channels"],
            in: mapping, what: "a rule")
        let name = try string(mapping["name"], "the `name` of a rule", in: node)
        var kinds: Set<ChangeKind>?
        if let values = try strings(mapping["kinds"], "`kinds`") {
            kinds = []
            for value in values {
                guard let kind = ChangeKind(rawValue: value) else {
                    throw error(mapping["kinds"] ?? node, "rule \(name): unknown kind \(value); expected \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                kinds?.insert(kind)
            }
        }
        var drift: Set<DriftClass>?
        if let values = try strings(mapping["drift"], "`drift`") {
            drift = []
            for value in values {
                guard let item = DriftClass(rawValue: value) else {
                    throw error(mapping["drift"] ?? node, "rule \(name): unknown drift \(value); expected \(DriftClass.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                drift?.insert(item)
            }
        }
        var minSeverity = Severity.info
        if let severityNode = mapping["min_severity"] {
            guard let value = severityNode.string.flatMap(Severity.init(rawValue:)) else {
                throw error(severityNode, "rule \(name): `min_severity` must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            minSeverity = value
        }
        let channels = try strings(mapping["channels"], "`channels`") ?? []
        guard !channels.isEmpty else { throw error(node, "rule \(name) names no channels") }
        var about: Set<AlertSubject.About> = [.profiles]
        if let values = try strings(mapping["on"], "`on`") {
            about = []
            for value in values {
                guard let item = AlertSubject.About(rawValue: value) else {
                    throw error(mapping["on"] ?? node, "rule \(name): `on` takes profiles and users, not \(value)")
                }
                about.insert(item)
            }
            guard !about.isEmpty else { throw error(mapping["on"] ?? node, "rule \(name): `on` names nothing") }
        }
        // What only a profile has: a rule that also matches users cannot ask for it.
        if about.contains(.users), let profileOnly = ["profile_name", "changed_fields", "min_holders"].first(where: { mapping[$0] != nil }) {
            throw error(mapping[profileOnly] ?? node, "rule \(name): `\(profileOnly)` applies to profile changes only; make a rule `on: [profiles]` for it")
        }
        var minHolders: Int?
        if let holdersNode = mapping["min_holders"] {
            guard let value = holdersNode.int, value >= 1 else { throw error(holdersNode, "rule \(name): `min_holders` must be a whole number, 1 or more") }
            minHolders = value
        }
        var rule = AlertRule(
            name: name, kinds: kinds, drift: drift, minSeverity: minSeverity,
            accounts: try strings(mapping["accounts"], "`accounts`").map(Set.init),
            profileName: mapping["profile_name"] == nil ? nil : try string(mapping["profile_name"], "`profile_name`", in: node),
            changedFields: try strings(mapping["changed_fields"], "`changed_fields`").map(Set.init), channels: channels)
        rule.about = about
        rule.minHolders = minHolders
        return rule
    }
}


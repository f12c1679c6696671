import AuditCore
import AuditModel
import Foundation
import SnapshotReading
import Yams

/// Reads an alert rules file (YAML, with Yams) into `AlertRules`: the core matches events
/// against rules and knows no YAML.
package enum AlertRulesFile {
    static func load(_ path: String) throws -> AlertRules {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the rules file \(path); check the path")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// The most values (scalars, lists, mappings) a rules file may expand to, aliases
    /// counted at every use: a 269 KB file aliasing one anchor 2,000 times once took 554 MB.
    static let maxValues = 100_000

    /// Whether `node` holds at most `budget` values; stops counting as soon as it is over,
    /// so an alias bomb costs no more than the budget to detect (Yams shares an aliased
    /// node's storage, the walk would not).
    static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias: return true
        case .sequence(let sequence): return sequence.allSatisfy { fits($0, budget: &budget) }
        case .mapping(let mapping): return mapping.allSatisfy { fits($0.key, budget: &budget) && fits($0.value, budget: &budget) }
        }
    }

    /// Parses a rules file.
    /// - Throws: `AlertRulesError` naming the line and the reason: bad YAML, an unknown key,
    ///   a wrong value, a rule naming a channel that is not defined.
    package static func parse(_ text: String, file: String) throws(AlertRulesError) -> AlertRules {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw AlertRulesError(file: file, line: Self.line(of: error), message: "invalid YAML: \(Self.problem(of: error))")
        } catch {
            throw AlertRulesError(file: file, line: 1, message: "invalid YAML: \(error)")
        }
        guard let root, let top = root.mapping else {
            throw AlertRulesError(file: file, line: 1, message: "expected a mapping with `channels` and `rules`")
        }
        var budget = Self.maxValues
        guard Self.fits(root, budget: &budget) else {
            throw AlertRulesError(
                file: file, line: 1,
                message: "the file expands to more than \(Self.maxValues) values (through YAML aliases?); a rules file is far smaller")
        }
        var reader = NodeReader(file: file)
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

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

/// Reads typed values out of Yams nodes, with the line of each problem.
private struct NodeReader {
    let file: String

    func error(_ node: Node, _ message: String) -> AlertRulesError {
        AlertRulesError(file: file, line: node.mark?.line ?? 1, message: message)
    }

    func allowOnly(_ keys: Set<String>, in mapping: Node.Mapping, what: String) throws(AlertRulesError) {
        for key in mapping.keys where !keys.contains(key.string ?? "") {
            throw error(key, "unknown key \(key.string ?? "?") in \(what); expected one of \(keys.sorted().joined(separator: ", "))")
        }
    }

    func string(_ node: Node?, _ what: String, in parent: Node) throws(AlertRulesError) -> String {
        guard let node else { throw error(parent, "\(what) is missing") }
        guard case .scalar = node, let text = node.string, !text.isEmpty else { throw error(node, "\(what) must be text") }
        return text
    }

    func strings(_ node: Node?, _ what: String) throws(AlertRulesError) -> [String]? {
        guard let node else { return nil }
        if case .scalar = node, let text = node.string { return [text] }
        guard let sequence = node.sequence else { throw error(node, "\(what) must be a list") }
        var out: [String] = []
        for element in sequence {
            guard case .scalar = element, let text = element.string else { throw error(element, "\(what) must list text values") }
            out.append(text)
        }
        return out
    }

    func channel(_ name: String, _ node: Node) throws(AlertRulesError) -> AlertChannel {
        guard let mapping = node.mapping else { throw error(node, "channel \(name) must be a mapping with a `type`") }
        let type = try string(mapping["type"], "the `type` of channel \(name)", in: node)
        switch type {
        case "webhook":
            try allowOnly(["type", "url", "style", "headers_from_env", "timeout"], in: mapping, what: "webhook channel \(name)")
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
            var timeout = 10.0
            if let timeoutNode = mapping["timeout"] {
                guard let seconds = timeoutNode.float, seconds > 0 else { throw error(timeoutNode, "channel \(name): `timeout` must be seconds > 0") }
                timeout = seconds
            }
            return AlertChannel(name: name, kind: .webhook(url: url, style: style, headersFromEnvironment: headers, timeoutSeconds: timeout))
        case "stdout":
            try allowOnly(["type"], in: mapping, what: "stdout channel \(name)")
            return AlertChannel(name: name, kind: .stdout)
        case "notify":
            try allowOnly(["type", "channel"], in: mapping, what: "notify channel \(name)")
            return AlertChannel(name: name, kind: .notify(channel: try string(mapping["channel"], "the `channel` of \(name)", in: node)))
        default:
            throw error(mapping["type"] ?? node, "channel \(name) has unknown type \(type); expected webhook, stdout or notify")
        }
    }

    func rule(_ node: Node) throws(AlertRulesError) -> AlertRule {
        guard let mapping = node.mapping else { throw error(node, "a rule must be a mapping") }
        try allowOnly(["name", "kinds", "drift", "min_severity", "accounts", "profile_name", "changed_fields", "channels"], in: mapping, what: "a rule")
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
        return AlertRule(
            name: name, kinds: kinds, drift: drift, minSeverity: minSeverity,
            accounts: try strings(mapping["accounts"], "`accounts`").map(Set.init),
            profileName: mapping["profile_name"] == nil ? nil : try string(mapping["profile_name"], "`profile_name`", in: node),
            changedFields: try strings(mapping["changed_fields"], "`changed_fields`").map(Set.init), channels: channels)
    }
}


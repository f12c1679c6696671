import AuditCLI
import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading
import Testing

@Suite("alert rules files")
struct AlertRulesTests {
    static let example = """
        channels:
          security-slack:
            type: webhook
            url: https://hooks.example.com/services/T0/B0
            style: slack
            headers_from_env: {Authorization: SLACK_TOKEN}
            timeout: 5
          audit-log: {type: stdout}
          pg: {type: notify, channel: connect_audit_alerts}
        rules:
          - name: access-widened
            kinds: [created, modified, recreated]
            drift: [widened]
            min_severity: high
            accounts: ["123456789012"]
            profile_name: "*Admin*"
            changed_fields: [permissions, tag_restricted_resources]
            channels: [security-slack, audit-log]
          - name: everything
            channels: pg
        """

    @Test("the README's example parses into channels and rules")
    func parsesExample() throws {
        let rules = try AlertRulesFile.parse(Self.example, file: "rules.yaml")
        #expect(rules.channels["security-slack"]?.kind == .webhook(
            url: "https://hooks.example.com/services/T0/B0", style: .slack, headersFromEnvironment: ["Authorization": "SLACK_TOKEN"], timeoutSeconds: 5))
        #expect(rules.channels["audit-log"]?.kind == .stdout)
        #expect(rules.channels["pg"]?.kind == .notify(channel: "connect_audit_alerts"))
        #expect(rules.rules.map(\.name) == ["access-widened", "everything"])
        #expect(rules.rules[0].minSeverity == .high)
        #expect(rules.rules[1].channels == ["pg"])
    }

    @Test("matching on kind, drift, severity, account, name pattern and changed field")
    func matching() throws {
        let rules = try AlertRulesFile.parse(Self.example, file: "rules.yaml")
        let hit = AlertSubject(kind: .modified, drift: .widened, severity: .critical, accountID: "123456789012",
                               profileName: "Break-glass Admin", changedFields: ["permissions"])
        #expect(rules.matches(hit).map { "\($0.rule)->\($0.channel.name)" } == ["access-widened->security-slack", "access-widened->audit-log", "everything->pg"])
        var miss = hit
        miss.severity = .medium
        #expect(rules.matches(miss).map(\.rule) == ["everything"])
        miss = hit
        miss.profileName = "Tier1 Agent"
        #expect(rules.matches(miss).map(\.rule) == ["everything"])
        miss = hit
        miss.accountID = "999"
        #expect(rules.matches(miss).map(\.rule) == ["everything"])
        miss = hit
        miss.changedFields = ["description"]
        #expect(rules.matches(miss).map(\.rule) == ["everything"])
        miss = hit
        miss.kind = .deleted
        #expect(rules.matches(miss).map(\.rule) == ["everything"])
    }

    @Test("on: users matches user-level changes only; min_holders a profile change held by that many")
    func usersAndHolders() throws {
        let rules = try AlertRulesFile.parse("""
            channels: {a: {type: stdout}}
            rules:
              - {name: people, on: [users], drift: [widened], min_severity: critical, channels: [a]}
              - {name: blast, min_holders: 50, channels: [a]}
              - {name: both, on: [profiles, users], kinds: [modified], channels: [a]}
            """, file: "rules.yaml")
        var user = AlertSubject(kind: .modified, drift: .widened, severity: .critical, accountID: nil, profileName: nil, changedFields: [])
        user.about = .users
        #expect(rules.matches(user).map(\.rule) == ["people", "both"])
        user.severity = .high
        #expect(rules.matches(user).map(\.rule) == ["both"])
        var profile = AlertSubject(kind: .modified, drift: .widened, severity: .critical, accountID: nil, profileName: "Agents", changedFields: [])
        #expect(rules.matches(profile).map(\.rule) == ["both"], "no holder count: not a blast")
        profile.holders = 49
        #expect(rules.matches(profile).map(\.rule) == ["both"])
        profile.holders = 50
        #expect(rules.matches(profile).map(\.rule) == ["blast", "both"])
        profile.kind = .deleted
        #expect(rules.matches(profile).map(\.rule) == ["blast"])
    }

    @Test("a rules file with an error is refused with its line and the reason", arguments: [
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    channels: [b]\n", 3, "names channel b, which is not defined"),
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    min_severity: huge\n    channels: [a]\n", 4, "min_severity"),
        ("channels: {a: {type: pager}}\nrules: []\n", 1, "unknown type pager"),
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    channels: [a]\n    colour: red\n", 5, "unknown key colour"),
        ("channels: {a: {type: webhook, url: ftp://x}}\nrules: []\n", 1, "http or https"),
        ("channels:\n  a: {type: webhook, url: 'https://x', timeout: 601}\nrules: []\n", 2, "`timeout` must be more than 0 and at most 600"),
        ("channels:\n  a: {type: slack, url_from_env: X, timeout: 0}\nrules: []\n", 2, "`timeout` must be more than 0 and at most 600"),
        ("channels: {a: {type: stdout}\nrules: [\n", 2, "invalid YAML"),
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    kinds: [renamed]\n    channels: [a]\n", 4, "unknown kind renamed"),
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    on: [groups]\n    channels: [a]\n", 4, "`on` takes profiles and users"),
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    on: [users]\n    profile_name: '*Admin*'\n    channels: [a]\n", 5, "applies to profile changes only"),
        ("channels: {a: {type: stdout}}\nrules:\n  - name: r\n    min_holders: 0\n    channels: [a]\n", 4, "`min_holders` must be a whole number"),
    ])
    func refused(text: String, line: Int, reason: String) {
        do {
            _ = try AlertRulesFile.parse(text, file: "bad.yaml")
            Issue.record("expected an error for:\n\(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("bad.yaml:\(line): "))
        }
    }

    @Test("backoff doubles, is capped and jittered; Retry-After is honoured")
    func backoff() {
        let policy = RetryPolicy(base: 1, cap: 60, maxAttempts: 5)
        #expect(policy.delay(afterAttempts: 1, retryAfter: nil, jitter: 0.5) == 1)
        #expect(policy.delay(afterAttempts: 3, retryAfter: nil, jitter: 0.5) == 4)
        #expect(policy.delay(afterAttempts: 30, retryAfter: nil, jitter: 0.5) == 60)
        #expect(policy.delay(afterAttempts: 3, retryAfter: nil, jitter: 0) == 2)
        #expect(policy.delay(afterAttempts: 3, retryAfter: nil, jitter: 0.999) < 6)
        #expect(policy.delay(afterAttempts: 3, retryAfter: 7, jitter: 0.5) == 7)
    }
}

@Suite("the alerts page's rules example")
struct ReadmeRulesTests {
    @Test("the rules file shown in docs/alerts.md parses")
    func readmeExampleParses() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/alerts.md")
        let section = try String(contentsOf: page, encoding: .utf8)
        let yaml = try #require(section.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let rules = try AlertRulesFile.parse(yaml, file: "docs/alerts.md")
        #expect(rules.rules.count == 6)
        #expect(rules.rules.first { $0.name == "admin-given-to-someone" }?.about == [.users])
        #expect(rules.rules.first { $0.name == "wide-blast" }.map { ($0.about, $0.minHolders) } ?? ([], nil) == ([.profiles], 50))
        #expect(Set(rules.channels.keys) == ["security-slack", "cx-team", "on-call", "legacy-hook", "soc-intake", "siem", "datadog-events", "audit-log", "pg"])
        #expect(rules.channels["datadog-events"]?.kind == .datadog(url: nil, timeoutSeconds: 10))
        #expect(rules.channels["siem"]?.kind == .splunk(
            url: "https://splunk.example.com:8088", tokenFromEnvironment: "SPLUNK_HEC_TOKEN", index: "security", sourcetype: "connect-audit", timeoutSeconds: 10))
        #expect(rules.channels["security-slack"]?.kind == .slack(urlFromEnvironment: "SLACK_WEBHOOK_URL", timeoutSeconds: 10))
        #expect(rules.channels["cx-team"]?.digestOver == 10)
        #expect(rules.channels["on-call"]?.kind == .pagerduty(routingKeyFromEnvironment: "PAGERDUTY_ROUTING_KEY", url: "https://events.pagerduty.com/v2/enqueue", timeoutSeconds: 10))
    }
}

@Suite("alert rules files that expand without bound")
struct AlertRulesBombTests {
    @Test("anchors aliased thousands of times are refused for their expanded size, at once")
    func aliasBomb() {
        // One rule with a long list, aliased 2,000 times: 2,000 x 2,000 values once expanded.
        let names = (0..<2_000).map { "\"p\($0)\"" }.joined(separator: ", ")
        var text = "channels: {out: {type: stdout}}\nrules:\n  - &r {name: r, channels: [out], profile_name: [\(names)]}\n"
        text += String(repeating: "  - *r\n", count: 2_000)
        do {
            _ = try AlertRulesFile.parse(text, file: "bomb.yaml")
            Issue.record("the rules file must be refused")
        } catch {
            #expect(error.message.contains("expands to more than"))
        }
    }
}

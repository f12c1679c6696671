import AuditCLI
import AuditCore
import AuditModel
import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("drift policy files and the policy commands")
struct PolicyFileTests {
    static var examplePath: String { DemoDatabase.root.appendingPathComponent("examples/policy.yaml").path }

    @Test("the example policy of DESIGN §4 parses into every section")
    func example() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let policy = try PolicyFile.parse(text, file: "policy.yaml")
        #expect(policy.catalog.classOf("AcmeCorp.Admin") == .administrative)
        #expect(policy.catalog.classOf("AcmeCorp.Export") == .sensitive)
        #expect(policy.catalog.classOf("AcmeCorp.RestrictExports") == .restrictive)
        #expect(policy.catalog.aliases["OldName"] == ["New.One", "New.Two"])
        #expect(policy.catalog.aliases["ListenCallRecordings"] != nil, "built-in aliases stay")
        #expect(policy.criticalProfiles == ["Break-glass*", "*Admin*"])
        #expect(policy.ignoredFields == ["description"])
        #expect(policy.ignoredTagKeys == ["managed-by"])
        #expect(try PolicyFile.parse("", file: "empty.yaml") == .standard)
    }

    /// A policy text and the line and words its error must have.
    static let refusals: [(text: String, line: Int, words: String)] = [
        ("permissions:\n  administrative: [A]\nprofile:\n  critical: [x]\n", 3, "unknown key profile"),
        ("permissions:\n  admin: [A]\n", 2, "unknown key admin"),
        ("profiles:\n  critical:\n    - \"ok*\"\n    - \"[abc\"\n", 4, "bad profile name pattern"),
        ("ignore:\n  fields: [description, descriptoin]\n", 2, "unknown field descriptoin"),
        ("permissions:\n  sensitive: [X.Y]\n  other: [X.Y]\n", 3, "both sensitive and other"),
        ("permissions:\n  other: [\"has space\"]\n", 2, "white space"),
        ("permissions:\n  aliases: {Old: []}\n", 2, "names no current permissions"),
        ("permissions: [\n", 2, "invalid YAML"),
    ]

    @Test("a bad policy is refused with its line", arguments: refusals.indices)
    func refused(_ index: Int) {
        let refusal = Self.refusals[index]
        do {
            _ = try PolicyFile.parse(refusal.text, file: "p.yaml")
            Issue.record("accepted: \(refusal.text)")
        } catch {
            #expect(error.line == refusal.line, "\(error)")
            #expect(error.message.contains(refusal.words), "\(error)")
        }
    }

    @Test("policy check exits 0 for a good file and 1 naming the line for a bad one; policy show merges")
    func commands() throws {
        let good = try CommandRunner.run(["policy", "check", Self.examplePath])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasPrefix("ok: "))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "permissions:\n  other: [A]\nrules: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run(["policy", "check", path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(path):3: unknown key rules"))
        let shown = try CommandRunner.run(["policy", "show"], environment: ["CONNECT_AUDIT_POLICY": Self.examplePath])
        #expect(shown.status == 0)
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("administrative\tAcmeCorp.Admin"))
        #expect(lines.contains("administrative\tSecurityProfiles.Edit"))
        #expect(lines.contains("restrictive\tRestrictTaskCreation.Access"))
        #expect(lines.contains("critical_profile\tBreak-glass*"))
        #expect(lines.contains("ignored_tag_key\tmanaged-by"))
        #expect(lines.contains { $0.hasPrefix("# built-in catalog:") && $0.contains("security-profile-list.html") })
    }

    @Test("ingest with the example policy: Break-glass Admin gaining Prompts.Edit is critical; a managed-by tag change is info with no alert")
    func ingestUnderPolicy() throws {
        let arn = "arn:aws:connect:eu-west-1:123456789012:instance/4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d/security-profile/"
        func row(_ id: String, _ name: String, _ permissions: [String], _ tags: [String], _ time: String) -> String {
            let object: [String: Any] = [
                "_key": arn + id, "arn": arn + id, "security_profile_name": name, "permissions": permissions, "tags": tags,
                "last_modified_time": time, "organization_resource_id": "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d",
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("1.ndjson").path
        let second = directory.appendingPathComponent("2.ndjson").path
        try [row("glass", "Break-glass Admin", ["BasicAgentAccess"], ["env:prod"], "2026-11-10T00:00:00Z"),
             row("back", "Back Office", ["BasicAgentAccess"], ["managed-by:terraform"], "2026-11-10T00:00:00Z")]
            .joined(separator: "\n").write(toFile: first, atomically: true, encoding: .utf8)
        try [row("glass", "Break-glass Admin", ["BasicAgentAccess", "Prompts.Edit"], ["env:prod"], "2026-11-11T00:00:00Z"),
             row("back", "Back Office", ["BasicAgentAccess"], ["managed-by:cdk"], "2026-11-11T00:00:00Z")]
            .joined(separator: "\n").write(toFile: second, atomically: true, encoding: .utf8)
        let rules = directory.appendingPathComponent("rules.yaml").path
        try "channels:\n  out: {type: stdout}\nrules:\n  - {name: all, channels: [out]}\n".write(toFile: rules, atomically: true, encoding: .utf8)

        /// The (severity, drift) of each profile's second-night event, and the alerts it got.
        func night(policy: [String]) throws -> [String: (severity: String, drift: String, alerts: Int)] {
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                for (file, at) in [(first, "2026-11-10T02:00:00Z"), (second, "2026-11-11T02:00:00Z")] {
                    let outcome = try CommandRunner.run(["ingest", "--database-url", db, "--rules", rules, "--captured-at", at] + policy + [file])
                    #expect(outcome.status == 0, "\(outcome.stderr)")
                }
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                let rows = try connection.query("""
                    SELECT v.security_profile_name, e.severity::text, e.drift::text,
                           (SELECT count(*) FROM connect_audit.alert_outbox o WHERE o.event_id = e.id)
                    FROM connect_audit.change_events e
                    JOIN connect_audit.profile_versions v ON v.profile_key = e.profile_key AND v.version = e.to_version
                    WHERE e.kind = 'modified'
                    """)
                var out: [String: (severity: String, drift: String, alerts: Int)] = [:]
                for row in rows {
                    out[try row.decode(String.self, at: 0)] = (try row.decode(String.self, at: 1), try row.decode(String.self, at: 2), Int(try row.decode(Int64.self, at: 3)))
                }
                return out
            }
        }
        let withPolicy = try night(policy: ["--policy", Self.examplePath])
        #expect(withPolicy["Break-glass Admin"]?.severity == "critical")
        #expect(withPolicy["Break-glass Admin"]?.drift == "widened")
        #expect(withPolicy["Back Office"]?.severity == "info")
        #expect(withPolicy["Back Office"]?.drift == "none")
        #expect(withPolicy["Back Office"]?.alerts == 0)
        #expect(withPolicy["Break-glass Admin"]?.alerts == 1)
        let without = try night(policy: [])
        #expect(without["Break-glass Admin"]?.severity == "high")
        #expect(without["Back Office"]?.alerts == 1, "without the policy the catch-all rule alerts on the tag change")
    }
}

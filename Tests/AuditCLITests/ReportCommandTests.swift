import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("report, drift, history and state against the demo's week")
struct ReportCommandTests {
    static let week = ["--from", "2026-11-16T12:00:00Z", "--to", "2026-11-23T00:00:00Z"]

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("report --format json asks for a pipe of 1 MiB when its output is one; text leaves the pipe as it was")
    func reportPipe() throws {
        try DemoDatabase.withDemo { db in
            for (format, size) in [("json", 1 << 20), ("text", 1 << 16)] {
                let (process, stdout, stderr) = try CommandRunner.start(["report", "--database-url", db, "--format", format] + Self.week)
                let outcome = CommandRunner.finish(process, stdout, stderr)
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(outcome.stdout.contains("Break-glass Admin"))
                // F_GETPIPE_SZ (fcntl(2)), asked of the end the test reads.
                #expect(fcntl(stdout.fileHandleForReading.fileDescriptor, 1032) == Int32(size), "\(format)")
            }
        }
    }

    @Test("report --format json lists exactly the week's events, most severe first")
    func reportJSON() throws {
        try DemoDatabase.withDemo { db in
            let outcome = try CommandRunner.run(["report", "--database-url", db, "--format", "json"] + Self.week)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let report = try json(outcome.stdout)
            let events = try #require(report["events"] as? [[String: Any]])
            let lines = events.map { "\($0["severity"] ?? "")/\($0["drift"] ?? "")/\($0["kind"] ?? "")/\($0["profile_name"] ?? "")" }
            #expect(lines == [
                "critical/widened/created/Break-glass Admin",
                "critical/widened/modified/Tier2 Agent – EMEA",
                "high/widened/modified/Tier1 Agent – EMEA",
                // RestrictContactAccessByHierarchy.View lost: a Restrict* permission takes access away.
                "high/widened/modified/Supervisor – EMEA",
                // An application permission gained (AWS export, Wednesday).
                "high/widened/modified/Tier2 Agent – EMEA",
                "high/widened/modified/Sandbox Tester",
                "medium/widened/recreated/Temp Contractor – EMEA",
                // Scheduling.View gained: read-only.
                "medium/widened/modified/Workforce Manager – US",
                "medium/unobserved/touched/Workforce Manager – US",
                "medium/changed/modified/Supervisor – US",
                "low/narrowed/deleted/Temp Contractor – EMEA",
                // The Restrict* permission back.
                "low/narrowed/modified/Supervisor – EMEA",
                "low/narrowed/modified/Tier1 Agent – EMEA",
                "info/none/modified/QA Analyst – US",
                "info/none/modified/Back Office – US",
                // Legacy names migrated to their documented equivalents: no drift.
                "info/none/modified/Quality Analyst – EMEA",
                // Only the managed-by tag, which the example policy ignores.
                "info/none/modified/Back Office – US",
            ])
            let summary = try #require(report["summary"] as? [String: Any])
            #expect(summary["total"] as? Int == 17)
            #expect((summary["by_severity"] as? [String: Int])?["critical"] == 2)
            let tier1 = try #require(events.first { ($0["profile_name"] as? String) == "Tier1 Agent – EMEA" })
            let diff = try #require(tier1["diff"] as? [String: Any])
            #expect((diff["tag_restricted_resources"] as? [String: Any])?["removed"] as? [String] == ["Queue"])
            // --min-severity and --account filter.
            let high = try CommandRunner.run(["report", "--database-url", db, "--format", "json", "--min-severity", "high", "--account", "210987654321"] + Self.week)
            let highEvents = try #require(try json(high.stdout)["events"] as? [[String: Any]])
            #expect(highEvents.map { $0["profile_name"] as? String } == ["Sandbox Tester"])
        }
    }

    @Test("report in text, markdown and html; the html is one file with no external references")
    func reportFormats() throws {
        try DemoDatabase.withDemo { db in
            let text = try CommandRunner.run(["report", "--database-url", db] + Self.week)
            #expect(text.status == 0)
            #expect(text.stdout.contains("17 change(s): 2 critical, 4 high, 4 medium, 3 low, 4 info; access widened in 8"))
            #expect(text.stdout.contains("tag_restricted_resources: -Queue"))
            let markdown = try CommandRunner.run(["report", "--database-url", db, "--format", "markdown"] + Self.week)
            #expect(markdown.stdout.hasPrefix("# connect-audit: changes from 2026-11-16 12:00Z to 2026-11-23 00:00Z"))
            #expect(markdown.stdout.contains("| critical | widened | created | 2026-11-18 02:00Z | Break-glass Admin |"))
            let html = try CommandRunner.run(["report", "--database-url", db, "--format", "html"] + Self.week)
            #expect(html.status == 0)
            #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
            #expect(html.stdout.contains("<svg id=\"chart\""))
            #expect(html.stdout.contains("Tier2 Agent – EMEA"))
            #expect(html.stdout.contains("Content-Security-Policy\" content=\"default-src 'none'"))
            for external in ["http://", "https://", "src=", "<link", "<script src", "@import", "url(", "fetch(", "XMLHttpRequest"] {
                #expect(!html.stdout.contains(external), "the html references \(external)")
            }
        }
    }

    @Test("--fail-on exits 3 exactly when a change at or above it is in the window")
    func failOn() throws {
        try DemoDatabase.withDemo { db in
            let sunday = ["--from", "2026-11-22T00:00:00Z", "--to", "2026-11-23T00:00:00Z"]
            #expect(try CommandRunner.run(["report", "--database-url", db, "--fail-on", "critical"] + Self.week).status == 3)
            // Sunday's most severe change: a read-only permission gained (medium).
            #expect(try CommandRunner.run(["report", "--database-url", db, "--fail-on", "high"] + sunday).status == 0)
            #expect(try CommandRunner.run(["report", "--database-url", db, "--fail-on", "medium"] + sunday).status == 3)
            #expect(try CommandRunner.run(["drift", "--database-url", db, "--baseline", "monday-review", "--fail-on", "critical"]).status == 3)
            let empty = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-10-02T00:00:00Z"]
            let none = try CommandRunner.run(["report", "--database-url", db, "--fail-on", "info"] + empty)
            #expect(none.status == 0)
            #expect(none.stdout.contains("No changes."))
        }
    }

    @Test("drift --baseline lists the net difference per profile, in every format")
    func driftFromBaseline() throws {
        try DemoDatabase.withDemo { db in
            let outcome = try CommandRunner.run(["drift", "--database-url", db, "--baseline", "monday-review", "--format", "json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let events = try #require(try json(outcome.stdout)["events"] as? [[String: Any]])
            let lines = events.map { "\($0["severity"] ?? "")/\($0["kind"] ?? "")/\($0["profile_name"] ?? "")" }
            // Tier1's restriction and Supervisor – EMEA's Restrict* permission were removed and
            // put back: no net drift. The contractor
            // was deleted and re-created with other text: info only.
            #expect(lines == [
                "critical/created/Break-glass Admin",
                "critical/modified/Tier2 Agent – EMEA",
                "high/modified/Sandbox Tester",
                "medium/modified/Workforce Manager – US",
                "medium/modified/Supervisor – US",
                "info/modified/Back Office – US",
                "info/modified/QA Analyst – US",
                "info/modified/Quality Analyst – EMEA",
                "info/modified/Temp Contractor – EMEA",
            ])
            for format in ["text", "markdown", "html"] {
                let rendered = try CommandRunner.run(["drift", "--database-url", db, "--baseline", "monday-review", "--format", format])
                #expect(rendered.status == 0)
                #expect(rendered.stdout.contains("drift since baseline monday-review"))
            }
            let unknown = try CommandRunner.run(["drift", "--database-url", db, "--baseline", "nope"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("no baseline named nope"))
            let again = try CommandRunner.run(["baseline", "approve", "monday-review", "--database-url", db])
            #expect(again.status == 1)
            #expect(try CommandRunner.run(["baseline", "list", "--database-url", db]).stdout.hasPrefix("monday-review\t2026-11-16T12:00:00.000000Z"))
        }
    }

    @Test("history by name shows versions and events newest first; state --as-of shows that moment")
    func historyAndState() throws {
        try DemoDatabase.withDemo { db in
            let history = try CommandRunner.run(["history", "Tier1 Agent – EMEA", "--database-url", db, "--output", "json"])
            #expect(history.status == 0, "\(history.stderr)")
            let object = try json(history.stdout)
            let versions = try #require(object["versions"] as? [[String: Any]])
            #expect(versions.map { $0["version"] as? Int } == [3, 2, 1])
            let events = try #require(object["events"] as? [[String: Any]])
            #expect(events.map { $0["kind"] as? String } == ["modified", "modified", "discovered"])
            let text = try CommandRunner.run(["history", "Tier1 Agent – EMEA", "--database-url", db])
            #expect(text.stdout.contains("tag_restricted_resources: -Queue"))
            let missing = try CommandRunner.run(["history", "No Such Profile", "--database-url", db])
            #expect(missing.status == 1)
            let state = try CommandRunner.run(["state", "--as-of", "2026-11-20T12:00:00Z", "--output", "json", "--database-url", db])
            let profiles = try #require(try JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [[String: Any]])
            #expect(profiles.count == 20)
            #expect(!profiles.contains { ($0["security_profile_name"] as? String) == "Temp Contractor – EMEA" })
            let tier1 = profiles.first { ($0["security_profile_name"] as? String) == "Tier1 Agent – EMEA" }
            #expect(tier1?["tag_restricted_resources"] as? [String] == ["RoutingProfile", "User"])
        }
    }

    @Test("report --format ocsf of the demo week: every event valid against the OCSF 1.8.0 schema; a broken one is caught")
    func ocsf() throws {
        let schema = VendorPython.root.appendingPathComponent("Tests/AuditCLITests/Fixtures/ocsf/ocsf-1.8.0-iam.json").path
        let validator = VendorPython.root.appendingPathComponent("Tests/AuditCLITests/Fixtures/ocsf/validate.py").path
        try DemoDatabase.withDemo { db in
            let range = ["--from", "2026-11-16T00:00:00Z", "--to", "2026-11-23T00:00:00Z"]
            let report = try CommandRunner.run(["report", "--database-url", db, "--format", "ocsf"] + range)
            #expect(report.status == 0, "\(report.stderr)")
            let json = try CommandRunner.run(["report", "--database-url", db, "--format", "json"] + range)
            let expected = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["events"] as? [Any]
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocsf-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let events = folder.appendingPathComponent("week.ocsf.ndjson").path
            try report.stdout.write(toFile: events, atomically: true, encoding: .utf8)
            let checked = try CommandRunner.runTool(VendorPython.interpreter, [validator, schema, events], environment: [:])
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
            let counts = try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Int]
            #expect(counts?["entity_management"] == expected?.count && (counts?["user_access"] ?? 0) > 0, "\(checked.stdout)")
            let lines = report.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == (counts?.values.reduce(0, +) ?? -1) && report.stdout.hasSuffix("}\n"))
            // The agent given the admin profile: a User Access Management event assigning SecurityProfiles.Edit, by bob.
            #expect(lines.contains { $0.contains("\"class_uid\":3005") && $0.contains("m.keller") && $0.contains("SecurityProfiles.Edit") && $0.contains("/bob") })
            // The validator is no rubber stamp: an event without its time, or with a class of its own, is refused.
            for broken in [lines[0].replacingOccurrences(of: "\"time\":", with: "\"when\":"), lines[0].replacingOccurrences(of: "\"class_uid\":3004", with: "\"class_uid\":3999")] {
                try (broken + "\n").write(toFile: events, atomically: true, encoding: .utf8)
                #expect(try CommandRunner.runTool(VendorPython.interpreter, [validator, schema, events], environment: [:]).status == 1)
            }
        }
    }

    @Test("every SQL example of the SQL cookbook (docs/sql.md) runs against the demo's data and returns rows")
    func readmeSQL() throws {
        let section = try String(contentsOf: DemoDatabase.root.appendingPathComponent("docs/sql.md"), encoding: .utf8)
        let blocks = section.components(separatedBy: "```sql\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(blocks.count >= 6)
        try DemoDatabase.withDemo { db in
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            for sql in blocks {
                let rows = try connection.query(sql)
                #expect(!rows.rows.isEmpty, "no rows from:\n\(sql)")
            }
        }
    }
}

@Suite("the demo's week is what real captures look like")
struct DemoWeekTests {
    @Test("no change is stamped after its snapshot's capture, and no attribution names a call after it")
    func nothingAfterItsCapture() throws {
        try DemoDatabase.withDemo { db in
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            let future = try connection.query("""
                SELECT count(*) FROM connect_audit.change_events e JOIN connect_audit.snapshots s ON s.id = e.snapshot_id
                WHERE e.last_modified_time > s.captured_at
                """)[0].decode(Int64.self, at: 0)
            #expect(future == 0)
            #expect(try connection.query("SELECT count(*) FROM connect_audit.snapshot_warnings WHERE kind = 'future_modification'")[0].decode(Int64.self, at: 0) == 0)
            let attributions = try connection.query("""
                SELECT count(*), count(*) FILTER (WHERE a.event_time > s.captured_at)
                FROM connect_audit.change_attribution a
                JOIN connect_audit.change_events e ON e.id = a.event_id JOIN connect_audit.snapshots s ON s.id = e.snapshot_id
                """)[0]
            #expect(try attributions.decode(Int64.self, at: 0) == 6)
            #expect(try attributions.decode(Int64.self, at: 1) == 0)
        }
    }
}

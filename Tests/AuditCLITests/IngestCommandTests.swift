import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading
import TestSupport
import Testing

/// Synthetic nightly snapshots written to a temporary folder.
struct NightlyFiles {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("connect-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Night `night` of `count` profiles of `instance`: each night a few change, some go,
    /// some arrive, so every kind of event occurs.
    static func profiles(count: Int, night: Int, instance: String = "i-aaaa") -> [SecurityProfile] {
        (0..<count).compactMap { index in
            if night > 1, index % 50 == 7 { return nil }  // deleted
            let edited = night > 1 && index % 10 == 3
            let touched = night > 1 && index % 10 == 5
            let arn = "arn:aws:connect:us-east-1:123456789012:instance/\(instance)/security-profile/p\(index)"
            return SecurityProfile(
                key: arn, accountID: "123456789012", allowedAccessControlTags: ["Region:EMEA"], arn: arn,
                description: edited ? "edited on night \(night)" : "profile \(index), \"tier\" \\ – ✓",
                lastModifiedTime: Instant(microsecondsSinceEpoch: Int64(1_700_000_000 + (edited || touched ? night : 0)) * 1_000_000),
                organizationResourceID: instance, securityProfileName: "Profile \(index)",
                tagRestrictedResources: edited ? [] : ["User", "Queue"], tags: ["team:cx", "n:\(index % 7)"])
        } + (night > 1 ? (0..<count / 100).map { SecurityProfile(key: "arn:aws:connect:us-east-1:123456789012:instance/\(instance)/security-profile/new-\(night)-\($0)", organizationResourceID: instance) } : [])
    }

    /// Writes a night as NDJSON and returns its path.
    func write(_ profiles: [SecurityProfile], name: String, format: SnapshotFormat = .ndjson) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(SnapshotRenderer.render(profiles, as: format)).write(to: url)
        return url.path
    }
}

/// A fingerprint of the whole history, to compare two databases.
func historyFingerprint(_ conninfo: String) throws -> [String?] {
    let connection = try PostgresConnection(conninfo)
    defer { connection.close() }
    return try connection.query("""
        SELECT (SELECT count(*) FROM connect_audit.snapshots)::text,
               (SELECT md5(coalesce(string_agg(profile_key || ':' || version || ':' || content_hash || ':' || coalesce(valid_to::text, '-'), ',' ORDER BY profile_key, version), ''))
                FROM connect_audit.profile_versions),
               (SELECT md5(coalesce(string_agg(profile_key || ':' || kind || ':' || coalesce(to_version::text, '-'), ',' ORDER BY id), ''))
                FROM connect_audit.change_events)
        """)[0].values
}

@Suite("connect-audit ingest and verify")
struct IngestCommandTests {
    @Test("a first ingest of 1,500 profiles with a widened rule queues no alert; the next night's widening does")
    func firstLoadRaisesNoAlert() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        let rules = files.folder.appendingPathComponent("rules.yaml").path
        try "channels:\n  out: {type: stdout}\nrules:\n  - {name: widened, drift: [widened], channels: [out]}\n".write(toFile: rules, atomically: true, encoding: .utf8)
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let night1 = try files.write(NightlyFiles.profiles(count: 1_500, night: 1), name: "night-1.ndjson")
            let first = try CommandRunner.run(["ingest", "--database-url", db, "--rules", rules, "--captured-at", "2026-11-01T02:00:00Z", night1])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("1500 discovered, 0 created"))
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            #expect(try connection.query("SELECT count(*) FROM connect_audit.alert_outbox").first?.decode(Int64.self, at: 0) == 0)
            let night2 = try files.write(NightlyFiles.profiles(count: 1_500, night: 2), name: "night-2.ndjson")
            #expect(try CommandRunner.run(["ingest", "--database-url", db, "--rules", rules, "--captured-at", "2026-11-02T02:00:00Z", night2]).status == 0)
            // 150 edited profiles lost a restriction (widened) and 15 were created (widened).
            #expect(try connection.query("SELECT count(*) FROM connect_audit.alert_outbox").first?.decode(Int64.self, at: 0) == 165)
        }
    }

    @Test("ingest prints counts per kind; bad input is one clear error and nothing is written")
    func ingestAndBadInput() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        try TestDatabase.withDatabase { conninfo in
            #expect(try CommandRunner.run(["migrate", "--database-url", conninfo]).status == 0)
            let night1 = try files.write(NightlyFiles.profiles(count: 200, night: 1), name: "night-1.ndjson")
            let night2 = try files.write(NightlyFiles.profiles(count: 200, night: 2), name: "night-2.csv", format: .csv)
            let ok = try CommandRunner.run([
                "ingest", "--database-url", conninfo, "--captured-at", "2026-11-01T02:00:00Z", night1,
            ])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout.contains("200 discovered, 0 created, 0 modified, 0 touched, 0 deleted, 0 recreated, 0 unchanged"), "\(ok.stdout)")
            let json = try CommandRunner.run([
                "ingest", "--database-url", conninfo, "--captured-at", "2026-11-02T02:00:00Z", "--output", "json", night2,
            ])
            #expect(json.status == 0, "\(json.stderr)")
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
            let counts = parsed?.first?["counts"] as? [String: Int]
            #expect(counts == ["discovered": 0, "created": 2, "modified": 20, "touched": 20, "deleted": 4, "recreated": 0, "unchanged": 156])

            let bad = try files.write([], name: "broken.ndjson")
            try Data("{\"_key\": \"a\"}\n{\"_key\": \"b\", \"last_modified_time\": \"yesterday\"}\n".utf8).write(to: URL(fileURLWithPath: bad))
            let refused = try CommandRunner.run(["ingest", "--database-url", conninfo, bad])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("broken.ndjson:2: last_modified_time: expected an ISO-8601 timestamp"))
            let connection = try PostgresConnection(conninfo)
            defer { connection.close() }
            #expect(try connection.query("SELECT count(*) FROM connect_audit.snapshots")[0].decode(Int.self, at: 0) == 2)
            let verify = try CommandRunner.run(["verify", "--database-url", conninfo])
            #expect(verify.status == 0, "\(verify.stderr)")
            #expect(verify.stdout.hasPrefix("ok: 246 events chained"))
        }
    }

    @Test("SIGKILL at every named stage of an ingest, and at random moments, leaves the state before or after; the rerun completes")
    func crashSafety() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        let night1 = try files.write(NightlyFiles.profiles(count: 4000, night: 1), name: "night-1.ndjson")
        let night2 = try files.write(NightlyFiles.profiles(count: 4000, night: 2), name: "night-2.ndjson")
        let ingest2 = ["ingest", "--captured-at", "2026-11-02T02:00:00Z", night2]
        try TestDatabase.withDatabase { base in
            #expect(try CommandRunner.run(["migrate", "--database-url", base]).status == 0)
            let first = try CommandRunner.run(["ingest", "--database-url", base, "--captured-at", "2026-11-01T02:00:00Z", night1])
            #expect(first.status == 0, "\(first.stderr)")
            let before = try historyFingerprint(base)
            guard let baseName = TestDatabase.databaseName(base) else { throw TestSetupError("no database name in \(base)") }
            try TestDatabase.waitForIdle(baseName)
            // The state after, and how long an uninterrupted ingest takes.
            var expectedAfter: [String?] = []
            var duration = Duration.zero
            try TestDatabase.withDatabase(template: baseName) { reference in
                let start = ContinuousClock.now
                let outcome = try CommandRunner.run(ingest2 + ["--database-url", reference])
                duration = ContinuousClock.now - start
                #expect(outcome.status == 0, "\(outcome.stderr)")
                expectedAfter = try historyFingerprint(reference)
            }
            #expect(expectedAfter != before)
            /// Runs the ingest on a copy of `base`, kills it (at `point`, or after `delay`),
            /// and checks the state, `verify` and that running it again finishes the job.
            func trial(_ label: String, point: FaultPoint?, delay: Double) throws -> String {
                try TestDatabase.waitForIdle(baseName)
                var outcome = ""
                try TestDatabase.withDatabase(template: baseName) { trial in
                    let environment = point.map { [FaultPoint.variable: $0.rawValue] } ?? [:]
                    let (process, out, err) = try CommandRunner.start(ingest2 + ["--database-url", trial], environment: environment)
                    if point == nil {
                        Thread.sleep(forTimeInterval: delay)
                        kill(process.processIdentifier, SIGKILL)
                    }
                    _ = CommandRunner.finish(process, out, err)
                    if point != nil {
                        // The point was reached and the process died there, by SIGKILL.
                        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, "\(label)")
                    }
                    guard let trialName = TestDatabase.databaseName(trial) else { return }
                    try TestDatabase.waitForIdle(trialName)
                    let state = try historyFingerprint(trial)
                    #expect(state == before || state == expectedAfter, "\(label): a half-written state")
                    outcome = state == before ? "before" : "after"
                    let verify = try CommandRunner.run(["verify", "--database-url", trial])
                    #expect(verify.status == 0, "\(label): \(verify.stdout)\(verify.stderr)")
                    let rerun = try CommandRunner.run(ingest2 + ["--database-url", trial])
                    #expect(rerun.status == 0, "\(label): \(rerun.stderr)")
                    #expect(try historyFingerprint(trial) == expectedAfter, "\(label): the rerun did not complete the job")
                }
                return outcome
            }
            // (A streamed first load alone passes `whileVersionsStream`: `crashInsideBulkLoad`.)
            for point in FaultPoint.allCases where point != .whileVersionsStream {
                let state = try trial(point.rawValue, point: point, delay: 0)
                #expect(state == (point == .afterCommit ? "after" : "before"), "killed \(point.rawValue): \(state)")
            }
            // And a few kills placed by the clock, anywhere from start-up to past the usual end.
            var random = SeededRandom(seed: 7)
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            for attempt in 0..<6 {
                _ = try trial("random kill \(attempt)", point: nil, delay: seconds * Double(random.next() % 1000) / 1000 * 1.1)
            }
        }
    }

    @Test("SIGKILL inside a streamed first load (indexes dropped, versions sent while read) leaves the empty history and its indexes; the rerun completes")
    func crashInsideBulkLoad() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        // Large enough to stream, into an empty history: the streamed bulk path (which
        // alone passes `whileVersionsStream`, so dying there proves it was taken).
        let night1 = try FirstLoadTests.night(1, files)
        let ingest = ["ingest", "--captured-at", "2026-11-01T02:00:00Z", night1]
        try TestDatabase.withDatabase { base in
            #expect(try CommandRunner.run(["migrate", "--database-url", base]).status == 0)
            let indexes = """
                SELECT string_agg(indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text)
                FROM pg_index WHERE indrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass)
                """
            func state() throws -> [String?] {
                let connection = try PostgresConnection(base)
                defer { connection.close() }
                return try historyFingerprint(base) + connection.query(indexes)[0].values
            }
            let before = try state()
            for point in [FaultPoint.whileVersionsStream, .afterVersionsCopied, .afterDiff, .afterSnapshotRow, .afterEventsCopied, .beforeCommit] {
                let (process, out, err) = try CommandRunner.start(ingest + ["--database-url", base], environment: [FaultPoint.variable: point.rawValue])
                _ = CommandRunner.finish(process, out, err)
                #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, "\(point.rawValue)")
                guard let name = TestDatabase.databaseName(base) else { throw TestSetupError("no database name in \(base)") }
                try TestDatabase.waitForIdle(name)
                #expect(try state() == before, "killed \(point.rawValue): the history or its indexes changed")
            }
            let rerun = try CommandRunner.run(ingest + ["--database-url", base])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            let after = try state()
            #expect(after[0] == "1" && after[3] == before[3], "the bulk load left other indexes: \(after[3] ?? "")")
            let verify = try CommandRunner.run(["verify", "--database-url", base])
            #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 12000 events chained"), "\(verify.stdout)\(verify.stderr)")
        }
    }

    @Test("two ingest processes started together both complete, one after the other")
    func concurrentIngests() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        let a = try files.write(NightlyFiles.profiles(count: 1500, night: 1, instance: "i-aaaa"), name: "a.ndjson")
        let b = try files.write(NightlyFiles.profiles(count: 1500, night: 1, instance: "i-bbbb"), name: "b.ndjson")
        try TestDatabase.withDatabase { conninfo in
            #expect(try CommandRunner.run(["migrate", "--database-url", conninfo]).status == 0)
            let first = try CommandRunner.start(["ingest", "--database-url", conninfo, "--captured-at", "2026-11-01T02:00:00Z", a])
            let second = try CommandRunner.start(["ingest", "--database-url", conninfo, "--captured-at", "2026-11-01T03:00:00Z", b])
            let outcomes = [CommandRunner.finish(first.0, first.1, first.2), CommandRunner.finish(second.0, second.1, second.2)]
            for outcome in outcomes { #expect(outcome.status == 0, "\(outcome.stderr)") }
            let connection = try PostgresConnection(conninfo)
            defer { connection.close() }
            // One after the other: each snapshot's events form one unbroken run of ids.
            let runs = try connection.query("""
                SELECT snapshot_id, min(id), max(id), count(*) FROM connect_audit.change_events GROUP BY snapshot_id ORDER BY min(id)
                """).map { try $0.values.map { try Int(postgresText: $0 ?? "") } }
            #expect(runs.count == 2)
            for run in runs { #expect(run[2] - run[1] + 1 == run[3]) }
            #expect(runs.map { $0[3] } == [1500, 1500])
            let verify = try CommandRunner.run(["verify", "--database-url", conninfo])
            #expect(verify.status == 0, "\(verify.stderr)")
        }
    }
}

@Suite("a source that carries permissions after one that did not")
struct FirstObservationCommandTests {
    static let instance = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
    static func arn(_ id: String) -> String { "arn:aws:connect:eu-west-2:210987654321:instance/\(instance)/security-profile/\(id)" }

    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A DDSQL row: no permissions column.
    static func ddsql(_ id: String) -> String {
        json(["_key": arn(id), "arn": arn(id), "id": id, "organization_resource_id": instance, "account_id": "210987654321",
              "security_profile_name": "Profile \(id)", "last_modified_time": "2026-11-09T10:00:00Z"])
    }

    /// The same profile as `pull aws` writes it, with its permissions.
    static func aws(_ id: String, permissions: [String], modified: String = "2026-11-09T10:00:00Z") -> String {
        json(["SecurityProfile": ["Arn": arn(id), "Id": id, "OrganizationResourceId": instance, "SecurityProfileName": "Profile \(id)",
                                  "LastModifiedTime": modified] as [String: Any],
              "Permissions": permissions])
    }

    @Test("DDSQL nights then an AWS pull of the same profiles: observed, no drift, no alert; the next gain is critical")
    func ddsqlThenAWS() throws {
        try withFolder { folder in
            func write(_ name: String, _ lines: [String]) throws -> String {
                let path = folder.appendingPathComponent(name).path
                try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let rules = try write("rules.yaml", ["channels:", "  out: {type: stdout}", "rules:", "  - {name: everything, channels: [out]}"])
            let night1 = try write("n1.ndjson", [Self.ddsql("p1"), Self.ddsql("p2")])
            let night2 = try write("n2.aws.jsonl", [Self.aws("p1", permissions: ["SecurityProfiles.Edit", "Users.Create"]),
                                                    Self.aws("p2", permissions: ["BasicAgentAccess"])])
            let night3 = try write("n3.aws.jsonl", [Self.aws("p1", permissions: ["SecurityProfiles.Edit", "Users.Create"]),
                                                    Self.aws("p2", permissions: ["BasicAgentAccess", "Users.Create"], modified: "2026-11-11T09:00:00Z")])
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                for (file, day) in [(night1, "10"), (night2, "11"), (night3, "12")] {
                    let outcome = try CommandRunner.run(["ingest", "--database-url", db, "--rules", rules, "--captured-at", "2026-11-\(day)T02:00:00Z", file])
                    #expect(outcome.status == 0, "\(outcome.stderr)")
                    if day == "11" { #expect(outcome.stdout.contains("warning first_observed") || outcome.stderr.contains("first_observed"), "\(outcome.stdout)") }
                }
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                let events = try connection.query("""
                    SELECT s.captured_at::date::text || ' ' || e.kind || ' ' || e.drift || ' ' || e.severity
                    FROM connect_audit.change_events e JOIN connect_audit.snapshots s ON s.id = e.snapshot_id
                    WHERE e.kind <> 'discovered' ORDER BY e.id
                    """).map { try $0.decode(String.self, at: 0) }
                #expect(events == ["2026-11-11 modified none info", "2026-11-11 modified none info", "2026-11-12 modified widened critical"], "\(events)")
                let alerts = try connection.query("SELECT count(*) FROM connect_audit.alert_outbox")[0].decode(Int64.self, at: 0)
                #expect(alerts == 1, "only the real gain alerts")
                let observed = try connection.query("SELECT field FROM connect_audit.observed_fields WHERE snapshot_id = 2")
                    .map { try $0.decode(String.self, at: 0) }
                #expect(observed.contains("permissions"), "\(observed)")
                #expect(try CommandRunner.run(["verify", "--database-url", db]).status == 0)
                // The report says so, in words and in JSON.
                let window = ["--from", "2026-11-10T00:00:00Z", "--to", "2026-11-13T00:00:00Z"]
                let text = try CommandRunner.run(["report", "--database-url", db] + window)
                #expect(text.stdout.contains("permissions first observed for instance \(Self.instance) (snapshot #2"), "\(text.stdout)")
                let json = try CommandRunner.run(["report", "--database-url", db, "--format", "json"] + window)
                let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
                let firstObserved = document?["first_observed"] as? [[String: Any]] ?? []
                #expect(firstObserved.contains { $0["field"] as? String == "permissions" && $0["snapshot_id"] as? Int == 2 }, "\(json.stdout.prefix(600))")
            }
        }
    }
}

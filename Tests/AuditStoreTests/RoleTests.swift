import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("least privilege: the everyday roles cannot rewrite history")
struct RoleTests {
    typealias F = StoreFixture

    @Test("a login role granted connect_audit_ingest ingests, and cannot update, delete, truncate, alter or disable a trigger")
    func ingestRole() throws {
        try F.withLoginRoles(["connect_audit_ingest", "connect_audit_reader"]) { owner, logins in
            let (nightly, reading) = (logins[0], logins[1])
            try F.ingest([F.profile("a"), F.profile("b")], day: 1, into: nightly)
            try F.ingest([F.profile("a", time: 2_000, tagRestricted: [])], day: 2, maxDeleteFraction: 1, into: nightly)
            #expect(try F.count("SELECT count(*) FROM connect_audit.change_events", nightly) == 4)
            // It may not migrate (nightly then leaves migrations to the owner).
            do {
                try Migrator(connection: nightly).apply()
                Issue.record("the ingest role migrated")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501", "\(error)")
            }
            for sql in [
                "UPDATE connect_audit.change_events SET severity = 'info'",
                "DELETE FROM connect_audit.profile_versions",
                "UPDATE connect_audit.profile_versions SET permissions = '{}'",
                "TRUNCATE connect_audit.change_events",
                "ALTER TABLE connect_audit.change_events DISABLE TRIGGER USER",
                "ALTER TABLE connect_audit.profile_versions DROP CONSTRAINT profile_versions_no_overlap",
                "DROP TRIGGER change_events_append_only ON connect_audit.change_events",
                "DELETE FROM connect_audit.baselines",
            ] {
                do {
                    try nightly.execute(sql)
                    Issue.record("the ingest role was allowed: \(sql)")
                } catch {
                    let text = "\(error)"
                    #expect(text.contains("permission denied") || text.contains("must be owner") || text.contains("append-only"), "\(sql): \(text)")
                }
            }
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_timeline", reading) == 4)
            #expect(throws: PostgresError.self) { try reading.execute("INSERT INTO connect_audit.baselines (name, approved_at) VALUES ('x', now())") }
            #expect(try HistoryVerifier(connection: owner).verify().isValid)
        }
    }

    @Test("the ingest role cannot forge a snapshot row: future, empty, out of order or with counts that are not its events")
    func forgedSnapshotRefused() throws {
        try F.withLoginRoles(["connect_audit_ingest"]) { owner, logins in
            let nightly = logins[0]
            try F.ingest([F.profile("a"), F.profile("b")], day: 5, into: nightly)
            func insert(capturedAt: String, rows: Int, created: Int = 0, unchanged: Int = 0) -> String {
                """
                INSERT INTO connect_audit.snapshots (source, format, captured_at, content_sha256, scope_kind, row_count, created_count, unchanged_count)
                VALUES ('forged', 'ndjson', '\(capturedAt)', repeat('0', 64), 'all', \(rows), \(created), \(unchanged))
                """
            }
            for sql in [
                insert(capturedAt: "2099-01-01T00:00:00Z", rows: 0),  // the future, and empty
                insert(capturedAt: "2026-11-04T00:00:00Z", rows: 1, unchanged: 1),  // before the last snapshot
                insert(capturedAt: "2026-11-06T00:00:00Z", rows: 0),  // no rows
                insert(capturedAt: "2026-11-06T00:00:00Z", rows: 3, created: 3),  // events it does not have
            ] {
                do {
                    _ = try nightly.withTransaction { try $0.execute(sql) }
                    Issue.record("a forged snapshot was stored: \(sql)")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "23514", "\(error)")
                }
            }
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", owner) == 1)
            #expect(try HistoryVerifier(connection: owner).verify().isValid)
            // A row slipped past the checks (by a superuser with triggers off) is what verify reports and digests refuse.
            try owner.execute("ALTER TABLE connect_audit.snapshots DISABLE TRIGGER USER")
            try owner.execute(insert(capturedAt: "2026-11-04T00:00:00Z", rows: 0))
            try owner.execute("ALTER TABLE connect_audit.snapshots ENABLE TRIGGER USER")
            let report = try HistoryVerifier(connection: owner).verify()
            #expect(!report.isValid)
            #expect(report.firstProblem?.contains("snapshot #") == true && report.firstProblem?.contains("has no rows") == true, "\(report.firstProblem ?? "")")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("digests-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(throws: StoreError.self) {
                try SnapshotDigests(connection: owner).writeMissing(to: folder, sign: { _ in [] }, now: Instant(parsing: "2026-12-01T00:00:00Z")!)
            }
        }
    }
}

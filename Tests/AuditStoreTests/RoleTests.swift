import AuditCore
import AuditModel
import AuditStore
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
}

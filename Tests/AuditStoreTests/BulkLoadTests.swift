import AuditCore
import AuditModel
import AuditStore
import Foundation
import PostgresClient
import Testing
import TestSupport

/// The bulk path of a first ingest: indexes built after the COPY, the overlap
/// check run once; the same guarantees, and a schema that ends as it began.
@Suite("bulk load: a first ingest builds the indexes once and keeps every guarantee")
struct BulkLoadTests {
    typealias F = StoreFixture

    /// Enough profiles for the bulk path (it starts at 10,000 new versions).
    static func profiles(_ count: Int, prefix: String = "p") -> [SecurityProfile] {
        (0..<count).map { F.profile("\(prefix)-\($0)", time: 1_000 + Int64($0 % 50)) }
    }

    /// Every index and constraint of the two tables by name and definition, and whether
    /// each trigger is enabled and how it is defined: what the bulk path must leave as it found it.
    static func schema(_ connection: PostgresConnection) throws -> [[String?]] {
        try F.rows("""
            SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass)
            UNION ALL
            SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass)
               OR confrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass)
            UNION ALL
            SELECT 'trigger', tgname, tgenabled::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger
            WHERE tgrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass) AND NOT tgisinternal
            ORDER BY 1, 2
            """, connection)
    }

    /// The identity of each index of `table`: a rebuilt index has a new one.
    static func indexIdentities(_ connection: PostgresConnection, of table: String = "connect_audit.profile_versions") throws -> [[String?]] {
        try F.rows("""
            SELECT indexrelid::regclass::text, indexrelid::int::text FROM pg_index
            WHERE indrelid = $1::regclass ORDER BY 1
            """, connection, [table])
    }

    @Test("12,000 new profiles: indexes rebuilt, the schema as before, triggers enabled, history verified, nightly as usual after")
    func firstLoad() throws {
        try F.withMigrated { connection in
            let schema = try Self.schema(connection)
            let identities = try Self.indexIdentities(connection)
            let eventIdentities = try Self.indexIdentities(connection, of: "connect_audit.change_events")
            #expect(schema.contains { $0[0] == "trigger" && $0[1] == "profile_versions_no_overlap_inserted" && $0[2]?.hasPrefix("O CREATE TRIGGER") == true })
            #expect(schema.contains { $0[0] == "constraint" && $0[1] == "alert_outbox_event_id_fkey" })
            var profiles = Self.profiles(12_000)
            try F.ingest(profiles, day: 1, into: connection)
            // It took the bulk path: every index of the versions was made anew but the
            // exclusion constraint's, over closed versions only, which no copied row enters ...
            let rebuilt = try Self.indexIdentities(connection)
            #expect(rebuilt.map { $0[0] } == identities.map { $0[0] })
            for (after, before) in zip(rebuilt, identities) {
                #expect((after[1] == before[1]) == (after[0] == "connect_audit.profile_versions_no_overlap"), "\(after)")
            }
            // ... every index of the events too, the primary key that the outbox's foreign key
            // references among them ...
            let rebuiltEvents = try Self.indexIdentities(connection, of: "connect_audit.change_events")
            #expect(rebuiltEvents.map { $0[0] } == eventIdentities.map { $0[0] })
            for (after, before) in zip(rebuiltEvents, eventIdentities) { #expect(after[1] != before[1], "\(after)") }
            // ... and left the schema exactly as the migrations made it.
            #expect(try Self.schema(connection) == schema)
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions WHERE valid_to IS NULL", connection) == 12_000)
            #expect(try F.count("SELECT count(*) FROM connect_audit.change_events", connection) == 12_000)
            #expect(try HistoryVerifier(connection: connection).verify().isValid)
            // The guarantees are back in force for the next night, row by row.
            profiles[0] = F.profile("p-0", time: 5_000, tagRestricted: [])
            try F.ingest(profiles, day: 2, into: connection)
            #expect(try Self.indexIdentities(connection) == rebuilt)
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions", connection) == 12_001)
            #expect(throws: PostgresError.self) {
                try connection.execute("""
                    INSERT INTO connect_audit.profile_versions (profile_key, version, valid_from, content_hash, scope_instance, snapshot_id)
                    SELECT profile_key, 9, valid_from, content_hash, scope_instance, snapshot_id FROM connect_audit.profile_versions
                    WHERE valid_to IS NULL LIMIT 1
                    """)
            }
            #expect(try HistoryVerifier(connection: connection).verify().isValid)
        }
    }

    @Test("the least-privilege ingest role takes the row-by-row path: the same history, the indexes untouched")
    func ingestRoleRowByRow() throws {
        try F.withLoginRoles(["connect_audit_ingest"]) { owner, logins in
            let identities = try Self.indexIdentities(owner)
            let nightly = logins[0]
            try F.ingest(Self.profiles(12_000), day: 1, into: nightly)
            #expect(try Self.indexIdentities(owner) == identities)
            #expect(try F.count("SELECT count(*) FROM connect_audit.change_events", owner) == 12_000)
            #expect(try HistoryVerifier(connection: owner).verify().isValid)
        }
    }

    @Test("an owner of the two tables but not of the outbox, whose foreign key references them, takes the row-by-row path")
    func outboxOwnedByAnotherRole() throws {
        try F.withLoginRoles(["connect_audit_ingest"]) { owner, logins in
            let login = logins[0]
            let name = try login.query("SELECT current_user::text")[0].decode(String.self, at: 0)
            try owner.execute("ALTER TABLE connect_audit.profile_versions OWNER TO \(name)")
            try owner.execute("ALTER TABLE connect_audit.change_events OWNER TO \(name)")
            let identities = try Self.indexIdentities(owner)
            try F.ingest(Self.profiles(12_000), day: 1, into: login)
            #expect(try Self.indexIdentities(owner) == identities)
            #expect(try F.count("SELECT count(*) FROM connect_audit.change_events", owner) == 12_000)
            #expect(try HistoryVerifier(connection: owner).verify().isValid)
        }
    }

    @Test("a history larger than the snapshot takes the row-by-row path")
    func largerHistoryRowByRow() throws {
        try F.withMigrated { connection in
            try F.ingest(Self.profiles(12_000), day: 1, into: connection)
            let identities = try Self.indexIdentities(connection)
            // 11,000 new profiles of another instance beside 12,000 stored versions.
            let more = (0..<11_000).map { F.profile("q-\($0)", instance: F.instanceB) }
            try F.ingest(Self.profiles(12_000) + more, day: 2, into: connection)
            #expect(try Self.indexIdentities(connection) == identities)
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions", connection) == 23_000)
        }
    }

    @Test("the once-after overlap check refuses an open version that overlaps a closed one, as the trigger does")
    func overlapCheck() throws {
        try F.withMigrated { connection in
            try F.ingest([F.profile("a")], day: 1, into: connection)
            try F.ingest([F.profile("a", time: 2_000)], day: 3, into: connection)
            let snapshot = try F.count("SELECT max(id) FROM connect_audit.snapshots", connection)
            try connection.execute("SELECT connect_audit.refuse_overlap_in_snapshot($1)", [snapshot])
            // Version 1 closed on day 3; stretch it to day 4 past the open version 2, with the
            // triggers off (as an owner could), then ask the check about the snapshot of version 2.
            try connection.execute("SET session_replication_role = replica")
            try connection.execute("UPDATE connect_audit.profile_versions SET valid_to = $1 WHERE version = 1", [F.day(4)])
            try connection.execute("SET session_replication_role = DEFAULT")
            do {
                try connection.execute("SELECT connect_audit.refuse_overlap_in_snapshot($1)", [snapshot])
                Issue.record("an overlap passed the check")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23P01", "\(error)")
                #expect("\(error)".contains("overlaps version 1"), "\(error)")
            }
        }
    }
}

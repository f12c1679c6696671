import AuditCore
import AuditModel
import AuditTime
import AuditStore
import PostgresClient
import Testing
import TestSupport

/// The schema guards history by itself, whatever a client does.
@Suite("the schema protects itself")
struct SchemaTests {
    private static let hash = String(repeating: "a", count: 64)

    /// A migrated database with one snapshot, handed to `body` with the snapshot's id.
    private func withSchema(_ body: (PostgresConnection, Int64) throws -> Void) throws {
        try TestDatabase.withConnection { connection in
            try Migrator(connection: connection).apply()
            let snapshot = try connection.query("""
                INSERT INTO connect_audit.snapshots (source, format, captured_at, content_sha256, scope_kind, row_count)
                VALUES ('test', 'ndjson', '2026-11-01Z', $1, 'all', 1) RETURNING id
                """, [Self.hash])[0].decode(Int64.self, at: 0)
            try body(connection, snapshot)
        }
    }

    @Test("a report's number for a kind, drift and severity stands for the labels it is sent for")
    func classificationCodes() throws {
        try TestDatabase.withConnection { connection in
            try Migrator(connection: connection).apply()
            let codes = try ClassificationCodes.read(on: connection)
            // Every combination, its number computed by the server as a report's query does.
            let sent = try connection.query("""
                SELECT e.kind::text, e.drift::text, e.severity::text, \(ClassificationCodes.column)
                FROM (SELECT k AS kind, d AS drift, s AS severity
                      FROM unnest(enum_range(NULL::connect_audit.event_kind)) k, unnest(enum_range(NULL::connect_audit.drift_class)) d,
                           unnest(enum_range(NULL::connect_audit.severity)) s) e
                """)
            #expect(sent.count == ChangeKind.allCases.count * DriftClass.allCases.count * Severity.allCases.count)
            for row in sent {
                let read = try codes.classification(row.decode(Int64.self, at: 3))
                #expect(read.0.rawValue == (try row.decode(String.self, at: 0)))
                #expect(read.1.rawValue == (try row.decode(String.self, at: 1)))
                #expect(read.2.rawValue == (try row.decode(String.self, at: 2)))
            }
            // The three hashed in another order is no combination.
            let other = try connection.query("""
                SELECT hashenumextended('widened'::connect_audit.drift_class,
                       hashenumextended('modified'::connect_audit.event_kind, hashenumextended('info'::connect_audit.severity, 0)))
                """)[0].decode(Int64.self, at: 0)
            #expect(throws: StoreError.self) { try codes.classification(other) }
        }
    }

    @Test("connect_audit.instance_in_key finds what SecurityProfile.instance(inKey:) finds, whatever the key")
    func instanceInKey() throws {
        let keys = [
            "arn:aws:connect:us-east-1:123456789012:instance/abc-1/security-profile/p", "arn:aws:connect:x:1:instance/abc",
            "arn:x:instance/", "arn:x:instance//p", "arn:x:instance/a:instance/b/c", "arn:x:instance/a:instance/", "arn:",
            "arn:x", "ARN:x:instance/a/b", "x:instance/a/b", "arn:x/y:instance/\u{E9}t\u{E9}/z", "arn:x:instance/a\u{301}/b",
            "arn:x:Instance/a/b", "arn:x:instance/\u{1F319}", "", "arn:x:instanc/a:instance/b",
        ]
        try TestDatabase.withConnection { connection in
            try Migrator(connection: connection).apply()
            for key in keys {
                let sql = try connection.query("SELECT connect_audit.instance_in_key($1)", [key])[0].decodeIfPresent(String.self, at: 0)
                let swift = SecurityProfile.instance(inKey: key)
                #expect(sql == swift, "\(key)")
            }
        }
        #expect(SecurityProfile.instance(inKey: keys[0]) == "abc-1")
        #expect(SecurityProfile.instance(inKey: keys[4]) == "a:instance")
    }

    private func insertVersion(
        _ connection: PostgresConnection, snapshot: Int64, version: Int, from: String, to: String?
    ) throws {
        try connection.execute("""
            INSERT INTO connect_audit.profile_versions
                (profile_key, version, valid_from, valid_to, content_hash, scope_instance, snapshot_id)
            VALUES ('arn:profile/1', $1, $2, $3, $4, 'instance-1', $5)
            """, [version, from, to, Self.hash, snapshot])
    }

    private func insertEvent(_ connection: PostgresConnection, snapshot: Int64) throws {
        try connection.execute("""
            INSERT INTO connect_audit.change_events
                (id, snapshot_id, profile_key, kind, observed_at, to_version, drift, severity,
                 timestamp_changed, prev_hash, hash)
            VALUES (1, $1, 'arn:profile/1', 'created', '2026-11-01Z', 1, 'widened', 'medium', true, $2, $3)
            """, [snapshot, String(repeating: "0", count: 64), Self.hash])
    }

    @Test("overlapping versions of one key are rejected")
    func overlappingVersions() throws {
        try withSchema { connection, snapshot in
            try insertVersion(connection, snapshot: snapshot, version: 1, from: "2026-11-01Z", to: "2026-11-05Z")
            let error = #expect(throws: PostgresError.self) {
                try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-04Z", to: "2026-11-06Z")
            }
            #expect(error?.sqlState == "23P01")
            #expect(error?.constraint == "profile_versions_no_overlap")
            // Adjacent ranges do not overlap.
            try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-05Z", to: nil)
        }
    }

    @Test("an open version overlapping a closed one of its key is rejected, whichever is written second")
    func openOverlapsClosed() throws {
        try withSchema { connection, snapshot in
            try insertVersion(connection, snapshot: snapshot, version: 1, from: "2026-11-01Z", to: "2026-11-05Z")
            let open = #expect(throws: PostgresError.self) {
                try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-04Z", to: nil)
            }
            #expect(open?.sqlState == "23P01")
            #expect(open?.constraint == "profile_versions_no_overlap")
            try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-05Z", to: nil)
            // A closed version written after an open one it overlaps is refused too.
            let closed = #expect(throws: PostgresError.self) {
                try insertVersion(connection, snapshot: snapshot, version: 3, from: "2026-11-06Z", to: "2026-11-07Z")
            }
            #expect(closed?.sqlState == "23P01")
            #expect(try connection.query("SELECT count(*) FROM connect_audit.profile_versions")[0].decode(Int.self, at: 0) == 2)
        }
    }

    @Test("two open versions of one key are rejected")
    func twoOpenVersions() throws {
        try withSchema { connection, snapshot in
            try insertVersion(connection, snapshot: snapshot, version: 1, from: "2026-11-01Z", to: nil)
            let error = #expect(throws: PostgresError.self) {
                try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-02Z", to: nil)
            }
            #expect(["23505", "23P01"].contains(error?.sqlState ?? ""))
            #expect(["profile_versions_one_open", "profile_versions_no_overlap"].contains(error?.constraint ?? ""))
        }
    }

    @Test("the open-version index alone rejects a second open version")
    func openVersionIndex() throws {
        try withSchema { connection, snapshot in
            // Without the exclusion constraint, the partial unique index still holds the line.
            try connection.execute("ALTER TABLE connect_audit.profile_versions DROP CONSTRAINT profile_versions_no_overlap")
            try insertVersion(connection, snapshot: snapshot, version: 1, from: "2026-11-01Z", to: nil)
            let error = #expect(throws: PostgresError.self) {
                try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-02Z", to: nil)
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.constraint == "profile_versions_one_open")
        }
    }

    @Test("a change event cannot be updated or deleted")
    func appendOnlyEvents() throws {
        try withSchema { connection, snapshot in
            try insertEvent(connection, snapshot: snapshot)
            let update = #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE connect_audit.change_events SET severity = 'info'")
            }
            #expect(update?.sqlState == "23001")
            let delete = #expect(throws: PostgresError.self) {
                try connection.execute("DELETE FROM connect_audit.change_events")
            }
            #expect(delete?.sqlState == "23001")
            let snapshotUpdate = #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE connect_audit.snapshots SET row_count = 0")
            }
            #expect(snapshotUpdate?.sqlState == "23001")
            let count = try connection.query("SELECT count(*) FROM connect_audit.change_events WHERE severity = 'medium'")
            #expect(try count[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test("a user version's valid_to is set once and nothing else of it changes; user snapshots, versions and events are never rewritten")
    func userHistoryAppendOnly() throws {
        try withSchema { connection, _ in
            let snapshot = try connection.query("""
                INSERT INTO connect_audit.user_snapshots (captured_at, source, scope_kind, scope_ids, content_sha256, user_count, event_count)
                VALUES ('2026-11-01Z', 'test', 'all', '{}', $1, 1, 1) RETURNING id
                """, [Self.hash])[0].decode(Int64.self, at: 0)
            try connection.execute("""
                INSERT INTO connect_audit.user_versions (user_key, version, valid_from, snapshot_id, instance, username, security_profile_ids, content_hash)
                VALUES ('u1', 1, '2026-11-01Z', $1, 'i1', 'agent', '{p1}', $2)
                """, [snapshot, Self.hash])
            // Closing while changing anything else, a NULL column included, is refused.
            for change in ["username = 'other'", "security_profile_ids = '{admin}'", "routing_profile_id = 'r1'", "row_sha256 = sha256('x')"] {
                let sneaky = #expect(throws: PostgresError.self) {
                    try connection.execute("UPDATE connect_audit.user_versions SET valid_to = '2026-11-03Z', \(change)")
                }
                #expect(sneaky?.sqlState == "23001", "\(change)")
            }
            #expect(try connection.execute("UPDATE connect_audit.user_versions SET valid_to = '2026-11-03Z'").affectedRows == 1)
            let again = #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE connect_audit.user_versions SET valid_to = '2026-11-04Z'")
            }
            #expect(again?.sqlState == "23001")
            for statement in [
                "DELETE FROM connect_audit.user_versions", "TRUNCATE connect_audit.user_versions",
                "UPDATE connect_audit.user_snapshots SET user_count = 0", "DELETE FROM connect_audit.user_snapshots",
                "TRUNCATE connect_audit.user_events", "TRUNCATE connect_audit.user_events CASCADE",
            ] {
                let refused = #expect(throws: PostgresError.self) { try connection.execute(statement) }
                // TRUNCATE of a table the alert outbox references is refused before the trigger (0A000).
                #expect(refused?.sqlState == "23001" || (statement.hasPrefix("TRUNCATE") && refused?.sqlState == "0A000"), "\(statement)")
            }
            let row = try connection.query("SELECT valid_to, username, security_profile_ids::text FROM connect_audit.user_versions")[0]
            #expect(try row.decode(Instant.self, at: 0) == Instant(postgresText: "2026-11-03 00:00:00+00"))
            #expect(try row.decode(String.self, at: 1) == "agent" && row.decode(String.self, at: 2) == "{p1}")
        }
    }

    @Test("a version's valid_to is set once, and nothing else of it changes")
    func closeOnce() throws {
        try withSchema { connection, snapshot in
            try insertVersion(connection, snapshot: snapshot, version: 1, from: "2026-11-01Z", to: nil)
            let other = #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE connect_audit.profile_versions SET description = 'rewritten'")
            }
            #expect(other?.sqlState == "23001")
            // Closing while changing anything else, a NULL column included, is refused too.
            for change in ["arn = 'arn:x'", "extra = '{\"x\": 1}'", "source_sha256 = sha256('x')", "permissions = '{Admin}'"] {
                let sneaky = #expect(throws: PostgresError.self) {
                    try connection.execute("UPDATE connect_audit.profile_versions SET valid_to = '2026-11-03Z', \(change)")
                }
                #expect(sneaky?.sqlState == "23001", "\(change)")
            }
            let closed = try connection.execute("UPDATE connect_audit.profile_versions SET valid_to = '2026-11-03Z'")
            #expect(closed.affectedRows == 1)
            let again = #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE connect_audit.profile_versions SET valid_to = '2026-11-04Z'")
            }
            #expect(again?.sqlState == "23001")
            let delete = #expect(throws: PostgresError.self) {
                try connection.execute("DELETE FROM connect_audit.profile_versions")
            }
            #expect(delete?.sqlState == "23001")
            let validTo = try connection.query("SELECT valid_to FROM connect_audit.profile_versions")[0]
            #expect(try validTo.decode(Instant.self, at: 0) == Instant(postgresText: "2026-11-03 00:00:00+00"))
        }
    }

    @Test("the SQL views answer: current_profiles, profiles_as_of, profile_timeline")
    func views() throws {
        try withSchema { connection, snapshot in
            try insertVersion(connection, snapshot: snapshot, version: 1, from: "2026-11-01Z", to: "2026-11-05Z")
            try insertVersion(connection, snapshot: snapshot, version: 2, from: "2026-11-05Z", to: nil)
            try insertEvent(connection, snapshot: snapshot)
            let current = try connection.query("SELECT version FROM connect_audit.current_profiles")
            #expect(current.map { $0.values } == [["2"]])
            let asOf = try connection.query("SELECT version FROM connect_audit.profiles_as_of('2026-11-03Z')")
            #expect(asOf.map { $0.values } == [["1"]])
            let before = try connection.query("SELECT count(*) FROM connect_audit.profiles_as_of('2026-10-01Z')")
            #expect(try before[0].decode(Int.self, at: 0) == 0)
            let timeline = try connection.query("SELECT kind, to_version FROM connect_audit.profile_timeline")
            #expect(timeline.map { $0.values } == [["created", "1"]])
        }
    }
}

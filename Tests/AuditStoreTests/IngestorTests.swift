import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading
import TestSupport
import Testing

/// Profiles and snapshots for the store tests.
enum StoreFixture {
    static let instanceA = "aaaaaaaa-0000-4000-8000-00000000000a"
    static let instanceB = "bbbbbbbb-0000-4000-8000-00000000000b"

    static func profile(
        _ name: String, instance: String = instanceA, time: Int64 = 1_000, description: String = "d",
        tagRestricted: [String] = ["User"], tags: [String] = ["team:cx"], permissions: [String] = []
    ) -> SecurityProfile {
        let arn = "arn:aws:connect:us-east-1:123456789012:instance/\(instance)/security-profile/\(name)"
        return SecurityProfile(
            key: arn, accountID: "123456789012", allowedAccessControlTags: ["Region:EMEA"], arn: arn,
            description: description, lastModifiedTime: Instant(microsecondsSinceEpoch: time * 1_000_000),
            organizationResourceID: instance, securityProfileName: name, tagRestrictedResources: tagRestricted,
            tags: tags, permissions: permissions)
    }

    static func day(_ day: Int) -> Instant { Instant(parsing: String(format: "2026-11-%02dT02:00:00Z", day))! }

    @discardableResult
    static func ingest(
        _ profiles: [SecurityProfile], day: Int, scope: SnapshotScope? = nil, maxDeleteFraction: Double = 0.5,
        dryRun: Bool = false, into connection: PostgresConnection
    ) throws -> IngestOutcome {
        let snapshot = Snapshot(records: profiles.enumerated().map { ParsedRecord(profile: $1, file: "night-\(day)", line: $0 + 1) })
        return try Ingestor(connection: connection).ingest(IngestRequest(
            snapshot: snapshot, source: "night-\(day)", format: "ndjson", capturedAt: Self.day(day), scope: scope,
            maxDeleteFraction: maxDeleteFraction, dryRun: dryRun))
    }

    /// A fresh, migrated database for `body`; every result must be cleared by the end.
    static func withMigrated(_ body: (PostgresConnection) throws -> Void) throws {
        try TestDatabase.withConnection { connection in
            try Migrator(connection: connection).apply()
            try body(connection)
            #expect(connection.liveResultCount == 0)
        }
    }

    /// A fresh, migrated database with a login role for each of `grants` (`connect_audit_ingest`,
    /// `connect_audit_reader`): `body` gets the owner's connection and a connection as each
    /// role, in order. The roles (which belong to the cluster) are dropped afterwards.
    static func withLoginRoles(_ grants: [String], _ body: (_ owner: PostgresConnection, _ logins: [PostgresConnection]) throws -> Void) throws {
        try TestDatabase.withDatabase { db in
            let owner = try PostgresConnection(db)
            defer { owner.close() }
            try Migrator(connection: owner).apply()
            let names = grants.map { _ in "ca_login_" + UUID().uuidString.lowercased().prefix(8) }
            defer {
                for name in names {
                    _ = try? owner.execute("DROP OWNED BY \(name)")
                    _ = try? owner.execute("DROP ROLE IF EXISTS \(name)")
                }
            }
            for (name, grant) in zip(names, grants) { try owner.execute("CREATE ROLE \(name) LOGIN IN ROLE \(grant)") }
            let logins = try names.map { try PostgresConnection(try PostgresConnection.conninfo(db, replacing: ["user": $0])) }
            defer { logins.forEach { $0.close() } }
            try body(owner, logins)
        }
    }

    static func count(_ sql: String, _ connection: PostgresConnection) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    static func rows(_ sql: String, _ connection: PostgresConnection, _ parameters: [(any PostgresEncodable)?] = []) throws -> [[String?]] {
        try connection.query(sql, parameters).map(\.values)
    }
}

@Suite("ingest into the versioned history")
struct IngestorTests {
    typealias F = StoreFixture

    @Test("a week of snapshots exercising every event kind gives the expected versions, events and warnings")
    func everyKind() throws {
        try F.withMigrated { connection in
            // Night 1: three profiles of an instance seen for the first time (discovered).
            try F.ingest([F.profile("admin"), F.profile("agent"), F.profile("temp")], day: 1, into: connection)
            // Night 2: admin loses a restriction (modified), agent touched, fresh created, temp deleted.
            try F.ingest([
                F.profile("admin", time: 2_000, tagRestricted: []), F.profile("agent", time: 2_000), F.profile("fresh", time: 2_000),
            ], day: 2, into: connection)
            // Night 3: temp comes back (recreated); agent's tags change without a new timestamp; admin stale.
            try F.ingest([
                F.profile("admin", time: 1_500, tagRestricted: ["Queue"]), F.profile("agent", time: 2_000, tags: ["team:cx", "owner:ana"]),
                F.profile("fresh", time: 2_000), F.profile("temp", time: 3_000, description: "back"),
            ], day: 3, into: connection)

            let events = try F.rows("""
                SELECT security_profile_name, kind::text, from_version, to_version, drift::text, severity::text,
                       array_to_string(changed_fields, ','), timestamp_changed
                FROM connect_audit.profile_timeline ORDER BY event_id
                """, connection)
            #expect(events == [
                ["admin", "discovered", nil, "1", "none", "info", "", "t"],
                ["agent", "discovered", nil, "1", "none", "info", "", "t"],
                ["temp", "discovered", nil, "1", "none", "info", "", "t"],
                ["admin", "modified", "1", "2", "widened", "high", "last_modified_time,tag_restricted_resources", "t"],
                ["agent", "touched", "1", "2", "unobserved", "medium", "last_modified_time", "t"],
                ["fresh", "created", nil, "1", "widened", "medium", "", "t"],
                ["temp", "deleted", "1", nil, "narrowed", "low", "", "f"],
                ["agent", "modified", "2", "3", "none", "info", "tags", "f"],
                ["temp", "recreated", "1", "2", "widened", "medium", "description,last_modified_time", "t"],
            ])
            let warnings = try F.rows("SELECT snapshot_id, kind, profile_key LIKE '%/admin' FROM connect_audit.snapshot_warnings", connection)
            #expect(warnings == [["3", "stale_observation", "t"]])

            let current = try F.rows("SELECT security_profile_name, version FROM connect_audit.current_profiles ORDER BY 1", connection)
            #expect(current == [["admin", "2"], ["agent", "3"], ["fresh", "1"], ["temp", "2"]])
            let night1 = try F.rows("SELECT security_profile_name, version FROM connect_audit.profiles_as_of('2026-11-01T12:00:00Z') ORDER BY 1", connection)
            #expect(night1 == [["admin", "1"], ["agent", "1"], ["temp", "1"]])
            let night2 = try F.rows("SELECT security_profile_name, tag_restricted_resources::text FROM connect_audit.profiles_as_of('2026-11-02T12:00:00Z') ORDER BY 1", connection)
            #expect(night2 == [["admin", "{}"], ["agent", "{User}"], ["fresh", "{User}"]])
            // The stale row of night 3 changed nothing: admin still has no tag restriction.
            let admin = try F.rows("SELECT tag_restricted_resources::text FROM connect_audit.current_profiles WHERE security_profile_name = 'admin'", connection)
            #expect(admin == [["{}"]])
            let counts = try F.rows("""
                SELECT discovered_count, created_count, modified_count, touched_count, deleted_count, recreated_count, unchanged_count, warning_count
                FROM connect_audit.snapshots ORDER BY id
                """, connection)
            #expect(counts == [
                ["3", "0", "0", "0", "0", "0", "0", "0"], ["0", "1", "1", "1", "1", "0", "0", "0"], ["0", "0", "1", "0", "0", "1", "1", "1"],
            ])
            #expect(try HistoryVerifier(connection: connection).verify().isValid)
        }
    }

    @Test("re-ingesting the same content and scope is a no-op that names the earlier snapshot")
    func reingestIsNoOp() throws {
        try F.withMigrated { connection in
            let profiles = [F.profile("a"), F.profile("b")]
            guard case .ingested(let first, _) = try F.ingest(profiles, day: 1, into: connection) else {
                Issue.record("the first ingest must store the snapshot")
                return
            }
            let again = try F.ingest(profiles.reversed(), day: 2, into: connection)
            guard case .alreadyIngested(let id, _) = again else {
                Issue.record("the same content must be a no-op, got \(again)")
                return
            }
            #expect(id == first)
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 1)
            #expect(try F.count("SELECT count(*) FROM connect_audit.change_events", connection) == 2)
        }
    }

    @Test("a revert is recorded: content seen in an older snapshot, not the newest, makes a new snapshot and events")
    func revertIsRecorded() throws {
        try F.withMigrated { connection in
            // Night 2 removes the tag restriction without moving last_modified_time; night 3
            // restores night 1's content exactly.
            let restricted = [F.profile("a"), F.profile("b")]
            let widened = [F.profile("a", tagRestricted: []), F.profile("b")]
            try F.ingest(restricted, day: 1, into: connection)
            try F.ingest(widened, day: 2, into: connection)
            guard case .ingested(_, let changes) = try F.ingest(restricted, day: 3, into: connection) else {
                Issue.record("night 3 reverts night 2 and must be ingested, not taken for a repeat of night 1")
                return
            }
            #expect(changes.count(.modified) == 1)
            let current = try F.rows("""
                SELECT array_to_string(tag_restricted_resources, ',') FROM connect_audit.profile_versions
                WHERE valid_to IS NULL AND security_profile_name = 'a'
                """, connection)
            #expect(current == [["User"]])
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 3)
            // The newest snapshot again is the no-op, and so is night 1 replayed at its own moment.
            guard case .alreadyIngested = try F.ingest(restricted, day: 4, into: connection) else {
                Issue.record("the newest snapshot's content again must be a no-op")
                return
            }
            #expect(try HistoryVerifier(connection: connection).verify().isValid)
        }
    }

    @Test("a run of several files repeated after a crash: files at their own captured time are no-ops, not stale")
    func replayedRunIsNoOp() throws {
        try F.withMigrated { connection in
            try F.ingest([F.profile("a")], day: 1, into: connection)
            try F.ingest([F.profile("a", description: "changed")], day: 2, into: connection)
            guard case .alreadyIngested = try F.ingest([F.profile("a")], day: 1, into: connection) else {
                Issue.record("night 1 replayed at its own captured time is the snapshot already stored")
                return
            }
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 2)
        }
    }

    @Test("a snapshot older than one already ingested for an overlapping scope is refused, nothing written")
    func olderSnapshotRefused() throws {
        try F.withMigrated { connection in
            try F.ingest([F.profile("a")], day: 5, into: connection)
            #expect(throws: StoreError.self) { try F.ingest([F.profile("a", description: "x")], day: 4, into: connection) }
            #expect(throws: StoreError.self) { try F.ingest([F.profile("a", description: "x")], day: 5, into: connection) }
            #expect(throws: StoreError.self) { try F.ingest([F.profile("a", description: "x")], day: 4, scope: .all, into: connection) }
            // Another instance's snapshot does not overlap, so an earlier capture is fine there.
            try F.ingest([F.profile("b", instance: F.instanceB)], day: 4, into: connection)
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 2)
            #expect(try F.count("SELECT count(*) FROM connect_audit.change_events", connection) == 2)
        }
    }

    @Test("a snapshot deleting more than --max-delete-fraction of its scope is refused, nothing written")
    func tooManyDeletions() throws {
        try F.withMigrated { connection in
            try F.ingest((0..<10).map { F.profile("p\($0)") }, day: 1, into: connection)
            let error = #expect(throws: StoreError.self) {
                try F.ingest((0..<4).map { F.profile("p\($0)") }, day: 2, into: connection)
            }
            #expect(error == .tooManyDeletions(deleted: 6, openInScope: 10, limit: 0.5))
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 1)
            #expect(try F.count("SELECT count(*) FROM connect_audit.current_profiles", connection) == 10)
            try F.ingest((0..<4).map { F.profile("p\($0)") }, day: 2, maxDeleteFraction: 0.6, into: connection)
            #expect(try F.count("SELECT count(*) FROM connect_audit.current_profiles", connection) == 4)
        }
    }

    @Test("--dry-run computes the change set and writes nothing")
    func dryRun() throws {
        try F.withMigrated { connection in
            let outcome = try F.ingest([F.profile("a")], day: 1, dryRun: true, into: connection)
            guard case .dryRun(let changes) = outcome else {
                Issue.record("expected a dry run, got \(outcome)")
                return
            }
            #expect(changes.count(.discovered) == 1, "the first snapshot of an instance discovers its profiles")
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 0)
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions", connection) == 0)
        }
    }

    @Test("a vanished instance is a warning, not a deletion, under the default scope")
    func vanishedInstance() throws {
        try F.withMigrated { connection in
            try F.ingest([F.profile("a"), F.profile("b", instance: F.instanceB)], day: 1, into: connection)
            try F.ingest([F.profile("a", description: "x")], day: 2, into: connection)
            #expect(try F.count("SELECT count(*) FROM connect_audit.current_profiles", connection) == 2)
            let warnings = try F.rows("SELECT kind, profile_key FROM connect_audit.snapshot_warnings", connection)
            #expect(warnings == [["instance_missing", nil]])
        }
    }

    @Test("verify passes, and fails after a superuser alters an event with the triggers disabled")
    func verifyDetectsTampering() throws {
        try F.withMigrated { connection in
            try F.ingest([F.profile("a"), F.profile("b")], day: 1, into: connection)
            try F.ingest([F.profile("a", time: 2_000, tagRestricted: [])], day: 2, scope: .all, maxDeleteFraction: 1, into: connection)
            let before = try HistoryVerifier(connection: connection).verify()
            #expect(before.isValid, "\(before.firstProblem ?? "")")
            #expect(before.eventsChecked == 4)
            try connection.execute("ALTER TABLE connect_audit.change_events DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.change_events SET severity = 'info' WHERE id = 3")
            try connection.execute("ALTER TABLE connect_audit.change_events ENABLE TRIGGER USER")
            let after = try HistoryVerifier(connection: connection).verify()
            #expect(!after.isValid)
            #expect(after.firstProblem?.hasPrefix("event #3") == true)
        }
    }

    @Test("verify finds a version rewritten behind the chain's back")
    func verifyDetectsVersionTampering() throws {
        try F.withMigrated { connection in
            try F.ingest([F.profile("a")], day: 1, into: connection)
            try F.ingest([F.profile("a", time: 2_000, description: "x")], day: 2, into: connection)
            try connection.execute("ALTER TABLE connect_audit.profile_versions DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.profile_versions SET valid_to = valid_to - interval '1 hour' WHERE version = 1")
            try connection.execute("ALTER TABLE connect_audit.profile_versions ENABLE TRIGGER USER")
            let report = try HistoryVerifier(connection: connection).verify()
            #expect(report.firstProblem?.contains("closed without") == true, "\(report.firstProblem ?? "no problem found")")
        }
    }

    @Test("awkward values survive the store: quotes, backslashes, newlines, tabs, non-ASCII, extra fields")
    func awkwardValues() throws {
        try F.withMigrated { connection in
            var profile = F.profile("odd", description: "tab\there \\ \"q\" \n– ✓ 名前")
            profile.tags = ["k:v,w", "quote:\"x\"", "back:\\"]
            profile.extra = ["applications": #"[{"Namespace":"x\ty"}]"#, "weird key \"1\"": #""text""#]
            try F.ingest([profile], day: 1, into: connection)
            // Unchanged when read back: a second ingest of the same profile is no change.
            let again = try F.ingest([profile, F.profile("other")], day: 2, into: connection)
            guard case .ingested(_, let changes) = again else {
                Issue.record("expected an ingest, got \(again)")
                return
            }
            #expect(changes.unchanged == 1)
            #expect(changes.count(.created) == 1)
            var edited = profile
            edited.description = "changed"
            edited.lastModifiedTime = Instant(microsecondsSinceEpoch: 9_000_000_000)
            guard case .ingested(_, let third) = try F.ingest([edited, F.profile("other")], day: 3, into: connection) else {
                Issue.record("expected an ingest")
                return
            }
            #expect(third.events.map(\.changedFields) == [["description", "last_modified_time"]])
            #expect(try HistoryVerifier(connection: connection).verify().isValid)
        }
    }
}

import AuditCore
import AuditModel
import Foundation
@testable import AuditStore
import AuditTime
import PostgresClient
import Testing
import TestSupport

@Suite("verify against a schema owner who bypasses the triggers")
struct TamperTests {
    typealias F = StoreFixture

    /// Two nights: admin, agent and temp discovered; then admin modified, temp deleted, and a
    /// stale row of agent (a warning).
    static func history(_ connection: PostgresConnection) throws {
        try F.ingest([F.profile("admin"), F.profile("agent"), F.profile("temp")], day: 1, into: connection)
        try F.ingest([F.profile("admin", time: 2_000, tagRestricted: []), F.profile("agent", time: 500)], day: 2, maxDeleteFraction: 0.5, into: connection)
    }

    /// A tampering (SQL run with the table's triggers disabled) and words its report must hold.
    static let tamperings: [(name: String, table: String, sql: String, words: String)] = [
        ("a version's permissions edited", "profile_versions",
         "UPDATE connect_audit.profile_versions SET permissions = '{SecurityProfiles.Edit}' WHERE profile_key LIKE '%/agent'",
         "agent version 1 does not hash to its content_hash"),
        ("a version's name edited", "profile_versions",
         "UPDATE connect_audit.profile_versions SET security_profile_name = 'innocent' WHERE profile_key LIKE '%/admin' AND version = 2",
         "admin version 2 does not hash to its content_hash"),
        ("a version's tags edited", "profile_versions",
         "UPDATE connect_audit.profile_versions SET tags = '{team:other}' WHERE profile_key LIKE '%/agent'",
         "does not hash to its content_hash"),
        ("a version's tag restrictions edited", "profile_versions",
         "UPDATE connect_audit.profile_versions SET tag_restricted_resources = '{}' WHERE profile_key LIKE '%/agent'",
         "agent version 1 does not hash to its content_hash"),
        ("a version's account edited", "profile_versions",
         "UPDATE connect_audit.profile_versions SET account_id = '999999999999' WHERE profile_key LIKE '%/agent'",
         "agent version 1 does not hash to its content_hash"),
        ("a version's extra fields edited", "profile_versions",
         "UPDATE connect_audit.profile_versions SET extra = '{\"x\": \"y\"}' WHERE profile_key LIKE '%/agent'",
         "agent version 1 does not hash to its content_hash"),
        ("a deleted profile's last version reopened", "profile_versions",
         "UPDATE connect_audit.profile_versions SET valid_to = NULL WHERE profile_key LIKE '%/temp'",
         "every deletion closed the version it names"),
        ("a profile's only version deleted", "profile_versions",
         "DELETE FROM connect_audit.profile_versions WHERE profile_key LIKE '%/temp'",
         "wrote version 1, which is missing"),
        ("an event's label edited", "change_events",
         "UPDATE connect_audit.change_events SET profile_name = 'innocent' WHERE profile_key LIKE '%/admin' AND kind = 'modified'",
         "is labelled innocent / 123456789012 but its versions say admin / 123456789012"),
        ("a deletion's label edited", "change_events",
         "UPDATE connect_audit.change_events SET account_id = '999999999999' WHERE kind = 'deleted'",
         "(deleted of arn:aws:connect:us-east-1:123456789012:instance/aaaaaaaa-0000-4000-8000-00000000000a/security-profile/temp) is labelled temp / 999999999999"),
        ("an event's diff text respaced (the same JSON value, as the check allows)", "change_events",
         "UPDATE connect_audit.change_events SET diff_json = diff::text WHERE profile_key LIKE '%/admin' AND kind = 'modified'",
         "(modified of arn:aws:connect:us-east-1:123456789012:instance/aaaaaaaa-0000-4000-8000-00000000000a/security-profile/admin): its diff_json is not its diff's canonical text"),
        ("an instance's count of discoveries edited", "discoveries",
         "UPDATE connect_audit.discoveries SET profiles = 2",
         "snapshot #1, instance aaaaaaaa-0000-4000-8000-00000000000a / 123456789012: counted 2 from event #1, but 3 discovered from event #1"),
        ("an instance's discoveries not counted", "discoveries",
         "DELETE FROM connect_audit.discoveries",
         "counted nothing from event #-, but 3 discovered from event #1"),
        ("a snapshot's counts edited", "snapshots",
         "UPDATE connect_audit.snapshots SET modified_count = 0 WHERE id = 2",
         "snapshot #2 says 0 created, 0 modified"),
        ("a warning deleted", "snapshot_warnings",
         "DELETE FROM connect_audit.snapshot_warnings",
         "snapshot #2 says 1 warning(s), 0 remain"),
    ]

    @Test("each tampering is found, with its message; the clean history passes and names its head", arguments: tamperings.indices)
    func detected(_ index: Int) throws {
        let tampering = Self.tamperings[index]
        try F.withMigrated { connection in
            try Self.history(connection)
            let clean = try HistoryVerifier(connection: connection).verify()
            #expect(clean.isValid, "\(clean.firstProblem ?? "")")
            #expect(clean.head?.id == 5)
            #expect(clean.head?.hash.count == 64)
            try connection.execute("ALTER TABLE connect_audit.\(tampering.table) DISABLE TRIGGER USER")
            try connection.execute(tampering.sql)
            try connection.execute("ALTER TABLE connect_audit.\(tampering.table) ENABLE TRIGGER USER")
            let report = try HistoryVerifier(connection: connection).verify()
            #expect(report.firstProblem?.contains(tampering.words) == true, "\(tampering.name): \(report.firstProblem ?? "not found")")
        }
    }

    @Test("TRUNCATE of the history and edits of a baseline are refused while the triggers stand")
    func refused() throws {
        try F.withMigrated { connection in
            try Self.history(connection)
            try connection.execute("INSERT INTO connect_audit.baselines (name, approved_at) VALUES ('q4', now())")
            for table in ["change_events", "profile_versions", "snapshots", "snapshot_warnings", "trail_events", "baselines"] {
                do {
                    try connection.execute("TRUNCATE connect_audit.\(table) CASCADE")
                    Issue.record("TRUNCATE \(table) was allowed")
                } catch {
                    #expect("\(error)".contains("append-only"), "\(table): \(error)")
                }
            }
            #expect(throws: PostgresError.self) { try connection.execute("UPDATE connect_audit.baselines SET approved_at = now() - interval '1 year'") }
            #expect(throws: PostgresError.self) { try connection.execute("DELETE FROM connect_audit.baselines") }
            #expect(try HistoryVerifier(connection: connection).verify().isValid)
        }
    }

    @Test("a history rewritten and re-chained passes verify alone; the signed digests catch it at the head")
    func rechained() throws {
        try F.withMigrated { connection in
            try Self.history(connection)
            // The digests: an Ed25519 signature in the product; here a stand-in signature
            // (the CLI tests check real ones), since this checks the database against them.
            let sign: ([UInt8]) -> [UInt8] = { Array(SHA256.hex(of: $0).utf8) }
            let digests = SnapshotDigests(connection: connection)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("digests-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(try digests.writeMissing(to: folder, sign: sign, now: Instant(microsecondsSinceEpoch: 0)) == [1, 2])
            let files = try SnapshotDigests.read(folder)
            let verifySignature: ([UInt8], [UInt8]) -> Bool = { signature, message in signature == sign(message) }
            #expect(try digests.check(files, verifySignature: verifySignature) == nil)

            // The owner lowers admin's widening to info and re-chains every event after it.
            try connection.execute("ALTER TABLE connect_audit.change_events DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.change_events SET severity = 'info', drift = 'none' WHERE id = 4")
            var events: [ChainedEvent] = []
            try connection.copyOut("COPY (SELECT \(EventColumns.columns.joined(separator: ", ")) FROM connect_audit.change_events ORDER BY id) TO STDOUT") { fields in
                events.append(try EventColumns.decode(fields))
            }
            var previous = EventChain.genesis
            for var event in events {
                event.previousHash = previous
                event.hash = EventChain.hash(of: event, after: previous)
                try connection.execute("UPDATE connect_audit.change_events SET prev_hash = $1, hash = $2 WHERE id = $3", [event.previousHash, event.hash, event.id])
                previous = event.hash
            }
            try connection.execute("ALTER TABLE connect_audit.change_events ENABLE TRIGGER USER")
            #expect(try HistoryVerifier(connection: connection).verify().isValid, "re-chained consistently: the history alone cannot tell")
            let found = try digests.check(files, verifySignature: verifySignature)
            #expect(found?.contains("the history was rewritten: event #5's hash differs from the digest of snapshot #2") == true, "\(found ?? "not found")")

            // A snapshot's source edited (and, separately, its row count): the digests say so.
            try connection.execute("ALTER TABLE connect_audit.snapshots DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.snapshots SET source = 'innocent.csv' WHERE id = 1")
            try connection.execute("ALTER TABLE connect_audit.snapshots ENABLE TRIGGER USER")
            let edited = try digests.check(files, verifySignature: verifySignature)
            #expect(edited?.contains("snapshot #1 differs from the digest of snapshot #1") == true, "\(edited ?? "not found")")
        }
    }
}

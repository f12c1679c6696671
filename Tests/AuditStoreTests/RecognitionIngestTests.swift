import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading
import TestSupport
import Testing

/// Ingests rendered files the way the command does: open state first, then the file read
/// against it (records recognised by source fingerprint), then the ingest.
enum FileIngest {
    typealias F = StoreFixture

    /// Renders `profiles` as NDJSON bytes (the same profiles give the same bytes).
    static func bytes(_ profiles: [SecurityProfile]) -> [UInt8] { SnapshotRenderer.render(profiles, as: .ndjson) }

    static func read(_ bytes: [UInt8], day: Int, known: OpenVersions?) throws -> Snapshot {
        try SnapshotAssembler.snapshot([("night-\(day).ndjson", bytes)], format: .ndjson, known: known)
    }

    static func request(_ snapshot: Snapshot, day: Int) -> IngestRequest {
        IngestRequest(snapshot: snapshot, source: "night-\(day).ndjson", format: "ndjson", capturedAt: F.day(day), scope: nil)
    }

    /// Loads the open state, reads `bytes` against it, ingests.
    @discardableResult
    static func ingest(_ bytes: [UInt8], day: Int, into connection: PostgresConnection) throws -> IngestOutcome {
        let ingestor = Ingestor(connection: connection)
        let state = try ingestor.openState()
        return try ingestor.ingest(request(try read(bytes, day: day, known: state.versions), day: day), state: state)
    }

    /// Everything an ingest writes, as text, in a stable order.
    static func history(_ connection: PostgresConnection) throws -> [[String?]] {
        try F.rows("""
            SELECT 'v', profile_key, version::text, valid_from::text, valid_to::text, content_hash, snapshot_id::text
            FROM connect_audit.profile_versions
            UNION ALL
            SELECT 'e', profile_key, kind::text, coalesce(from_version, 0)::text || '>' || coalesce(to_version, 0)::text,
                   array_to_string(changed_fields, ','), hash, snapshot_id::text
            FROM connect_audit.change_events
            UNION ALL
            SELECT 'w', profile_key, kind, detail, NULL, NULL, snapshot_id::text FROM connect_audit.snapshot_warnings
            ORDER BY 1, 2, 3, 4
            """, connection)
    }
}

@Suite("ingest with source fingerprints")
struct RecognitionIngestTests {
    typealias F = StoreFixture
    typealias I = FileIngest

    @Test("each version stores its record's fingerprint; the next night recognises the unchanged ones and writes only changes")
    func fingerprintsStored() throws {
        try F.withMigrated { connection in
            let night1 = [F.profile("a"), F.profile("b"), F.profile("c")]
            try I.ingest(I.bytes(night1), day: 1, into: connection)
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions WHERE octet_length(source_sha256) = 32", connection) == 3)
            let state = try Ingestor(connection: connection).openState()
            let night2 = [F.profile("a"), F.profile("b", time: 2_000, description: "new"), F.profile("c")]
            let snapshot = try I.read(I.bytes(night2), day: 2, known: state.versions)
            #expect(snapshot.recognized.count == 2)
            #expect(snapshot.records.map(\.profile.key) == [F.profile("b").key])
            guard case .ingested(_, let changes) = try Ingestor(connection: connection).ingest(I.request(snapshot, day: 2), state: state) else {
                Issue.record("night 2 must be stored")
                return
            }
            #expect(changes.count(.modified) == 1)
            #expect(changes.unchanged == 2)
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions", connection) == 4)
            // The new version's fingerprint is that of night 2's line for b: night 3 recognises it.
            let night3 = try I.read(I.bytes(night2), day: 3, known: try Ingestor(connection: connection).openState().versions)
            #expect(night3.recognized.count == 3)
            #expect(try F.count("SELECT count(*) FROM connect_audit.snapshots", connection) == 2)
        }
    }

    @Test("the same file again, every record recognised, is the no-op that names the first snapshot (stored row digests)")
    func recognisedReingestIsNoOp() throws {
        try F.withMigrated { connection in
            let bytes = I.bytes([F.profile("a"), F.profile("b", instance: F.instanceB), F.profile("c")])
            guard case .ingested(let first, _) = try I.ingest(bytes, day: 1, into: connection) else {
                Issue.record("night 1 must be stored")
                return
            }
            #expect(try F.count("SELECT count(*) FROM connect_audit.profile_versions WHERE octet_length(row_sha256) = 32", connection) == 3)
            guard case .alreadyIngested(let id, _) = try I.ingest(bytes, day: 2, into: connection) else {
                Issue.record("the same content must be recognised as already ingested")
                return
            }
            #expect(id == first)
        }
    }

    @Test("verify recomputes every row digest: one forged behind the triggers' back is found")
    func verifyChecksRowDigests() throws {
        try F.withMigrated { connection in
            // One profile without a timestamp: its digest takes the empty chunk.
            var undated = F.profile("u")
            undated.lastModifiedTime = nil
            try I.ingest(I.bytes([F.profile("a"), F.profile("b"), undated]), day: 1, into: connection)
            try I.ingest(I.bytes([F.profile("a", time: 2_000), F.profile("b"), undated]), day: 2, into: connection)
            let clean = try HistoryVerifier(connection: connection).verify()
            #expect(clean.isValid, "\(clean.firstProblem ?? "")")
            try connection.execute("ALTER TABLE connect_audit.profile_versions DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.profile_versions SET row_sha256 = sha256('forged') WHERE profile_key LIKE '%/b'")
            try connection.execute("ALTER TABLE connect_audit.profile_versions ENABLE TRIGGER USER")
            let forged = try HistoryVerifier(connection: connection).verify()
            #expect(forged.firstProblem?.contains("row digest") == true, "\(forged.firstProblem ?? "no problem found")")
            #expect(forged.firstProblem?.contains("/b version 1") == true)
        }
    }

    @Test("versions written before fingerprints and row digests existed are diffed by content hash, and recognised after")
    func legacyVersions() throws {
        try F.withMigrated { connection in
            let night1 = [F.profile("a"), F.profile("b"), F.profile("c")]
            guard case .ingested(let first, _) = try I.ingest(I.bytes(night1), day: 1, into: connection) else {
                Issue.record("night 1 must be stored")
                return
            }
            // As a database migrated from schema 1 would hold them.
            try connection.execute("ALTER TABLE connect_audit.profile_versions DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.profile_versions SET source_sha256 = NULL, row_sha256 = NULL")
            try connection.execute("ALTER TABLE connect_audit.profile_versions ENABLE TRIGGER USER")
            let state = try Ingestor(connection: connection).openState()
            #expect(try I.read(I.bytes(night1), day: 2, known: state.versions).recognized.isEmpty)
            guard case .alreadyIngested(let id, _) = try I.ingest(I.bytes(night1), day: 2, into: connection) else {
                Issue.record("the same content must still be recognised as already ingested")
                return
            }
            #expect(id == first)
            let night2 = [F.profile("a"), F.profile("b", time: 2_000, description: "new"), F.profile("c", time: 2_000)]
            guard case .ingested(_, let changes) = try I.ingest(I.bytes(night2), day: 2, into: connection) else {
                Issue.record("night 2 must be stored")
                return
            }
            #expect((changes.count(.modified), changes.count(.touched), changes.unchanged) == (1, 1, 1))
            // The versions night 2 wrote carry both again.
            #expect(try F.count("SELECT count(*) FROM connect_audit.current_profiles cp JOIN connect_audit.profile_versions v USING (profile_key, version) WHERE v.row_sha256 IS NOT NULL AND v.source_sha256 IS NOT NULL", connection) == 2)
        }
    }

    @Test("files read before another ingest committed are diffed against the state after it, as if decoded whole")
    func stateMovedWhileReading() throws {
        let night1 = [F.profile("a"), F.profile("b"), F.profile("c"), F.profile("d")]
        let night2 = [F.profile("a"), F.profile("b", time: 2_000, description: "new"), F.profile("d", time: 2_000)]
        // Night 3 is night 1's lines again, byte for byte, and a new e: a unchanged, b and d
        // stale (night 2 made them newer), c recreated (deleted by night 2).
        let night3 = I.bytes(night1 + [F.profile("e")])
        var recognising: [[String?]] = []
        var decoding: [[String?]] = []
        try F.withMigrated { connection in
            try I.ingest(I.bytes(night1), day: 1, into: connection)
            let ingestor = Ingestor(connection: connection)
            let state = try ingestor.openState()
            let snapshot = try I.read(night3, day: 3, known: state.versions)
            #expect(snapshot.recognized.count == 4)
            try I.ingest(I.bytes(night2), day: 2, into: connection)
            guard case .ingested(_, let changes) = try ingestor.ingest(I.request(snapshot, day: 3), state: state) else {
                Issue.record("night 3 must be stored")
                return
            }
            #expect(changes.count(.recreated) == 1)
            #expect(changes.count(.created) == 1)
            #expect(changes.warnings.map(\.kind) == ["stale_observation", "stale_observation"])
            #expect(changes.unchanged == 1)
            recognising = try I.history(connection)
            let verify = try HistoryVerifier(connection: connection).verify()
            #expect(verify.isValid, "\(verify.firstProblem ?? "")")
        }
        try F.withMigrated { connection in
            let ingestor = Ingestor(connection: connection)
            for (day, bytes) in [(1, I.bytes(night1)), (2, I.bytes(night2)), (3, night3)] {
                _ = try ingestor.ingest(I.request(try I.read(bytes, day: day, known: nil), day: day))
            }
            decoding = try I.history(connection)
        }
        #expect(!recognising.isEmpty)
        #expect(recognising == decoding)
    }
}

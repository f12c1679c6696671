@testable import AuditCLI
import AuditModel
import Foundation
import PostgresClient
import SnapshotReading
import TestSupport
import Testing

/// The streamed first load: into an empty history, the versions go to the server
/// while the file is read. Standard input is never streamed (its size is unknown), so the
/// same file read from it is the read-then-write path to compare with.
@Suite("first load: versions streamed while the file is read, the same history as read-then-write")
struct FirstLoadTests {
    /// Night `night` of 12,000 profiles as NDJSON, checked to be large enough to stream.
    static func night(_ night: Int, _ files: NightlyFiles) throws -> String {
        let path = try files.write(NightlyFiles.profiles(count: 12_000, night: night), name: "night-\(night).ndjson")
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        try #require(size >= SnapshotIngest.firstLoadMinimumBytes, "\(size) bytes: too small to take the streamed path")
        return path
    }

    /// Every stored row, as text: versions, events, warnings, and snapshots without what
    /// says where and when a snapshot was read (`source`, `ingested_at`).
    static func history(_ conninfo: String) throws -> [[String?]] {
        let connection = try PostgresConnection(conninfo)
        defer { connection.close() }
        var rows: [[String?]] = []
        for sql in [
            "SELECT v::text FROM connect_audit.profile_versions v ORDER BY profile_key, version",
            "SELECT e::text FROM connect_audit.change_events e ORDER BY id",
            "SELECT w.snapshot_id::text, w.profile_key, w.kind, w.detail FROM connect_audit.snapshot_warnings w ORDER BY id",
            "SELECT (to_jsonb(s) - 'source' - 'ingested_at')::text FROM connect_audit.snapshots s ORDER BY id",
        ] {
            rows += try connection.query(sql).map(\.values)
        }
        return rows
    }

    /// Every index and constraint of the two tables a bulk load rebuilds.
    static func schema(_ conninfo: String) throws -> [String?] {
        let connection = try PostgresConnection(conninfo)
        defer { connection.close() }
        return try connection.query("""
            SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text) FROM pg_index
            WHERE indrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass)
            UNION ALL
            SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname) FROM pg_constraint
            WHERE conrelid IN ('connect_audit.profile_versions'::regclass, 'connect_audit.change_events'::regclass)
            UNION ALL
            SELECT string_agg(tgname || ' ' || tgenabled::text || ' ' || pg_get_triggerdef(oid), '; ' ORDER BY tgname) FROM pg_trigger
            WHERE tgrelid = 'connect_audit.profile_versions'::regclass AND NOT tgisinternal
            """).map { $0.values[0] }
    }

    @Test("a streamed first load and the next night store row for row what reading first and writing after stores")
    func sameHistory() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        let night1 = try Self.night(1, files)
        let night2 = try Self.night(2, files)
        try TestDatabase.withDatabase { streamed in
            try TestDatabase.withDatabase { readFirst in
                var schema: [String?] = []
                for db in [streamed, readFirst] {
                    #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                    schema = try Self.schema(db)
                }
                let first = try CommandRunner.run(["ingest", "--database-url", streamed, "--format", "ndjson", "--captured-at", "2026-11-01T02:00:00Z", night1])
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stdout.contains("12000 discovered"), "\(first.stdout)")
                let piped = try CommandRunner.run(
                    ["ingest", "--database-url", readFirst, "--format", "ndjson", "--captured-at", "2026-11-01T02:00:00Z", "-"], input: night1)
                #expect(piped.status == 0, "\(piped.stderr)")
                let history = try Self.history(streamed)
                #expect(history.count == 12_000 + 12_000 + 1)
                #expect(history == (try Self.history(readFirst)), "the streamed first load stored a different history")
                #expect(try Self.schema(streamed) == schema, "the streamed first load left the schema changed")
                // Every version has its source fingerprint, so the next night recognises
                // unchanged records instead of decoding them.
                let connection = try PostgresConnection(streamed)
                defer { connection.close() }
                let unfingerprinted = try connection.query("SELECT count(*) FROM connect_audit.profile_versions WHERE source_sha256 IS NULL")
                #expect(try unfingerprinted[0].decode(Int.self, at: 0) == 0)
                for db in [streamed, readFirst] {
                    let next = try CommandRunner.run(["ingest", "--database-url", db, "--format", "ndjson", "--captured-at", "2026-11-02T02:00:00Z", night2])
                    #expect(next.status == 0, "\(next.stderr)")
                    let verify = try CommandRunner.run(["verify", "--database-url", db])
                    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
                }
                #expect(try Self.history(streamed) == (try Self.history(readFirst)), "the night after differs")
            }
        }
    }

    @Test(
        "bad input after rows were streamed, a key repeated thousands of rows apart: one error with file and line, nothing stored, the schema as before",
        arguments: ["bad-last-line", "repeated-key"])
    func refusedAfterStreaming(_ flaw: String) throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        let path = try Self.night(1, files)
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let badLine: Int
        switch flaw {
        case "bad-last-line":
            lines.append(#"{"_key": "arn:aws:connect:us-east-1:123456789012:instance/i-aaaa/security-profile/bad", "permissions": "not a list"}"#)
            badLine = lines.count
        default:
            lines.append(lines[5])  // the sixth record again, 12,000 lines later
            badLine = lines.count
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let schema = try Self.schema(db)
            let ingest = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-01T02:00:00Z", path])
            #expect(ingest.status != 0)
            #expect(ingest.stderr.contains("\(path):\(badLine)"), "\(ingest.stderr)")
            #expect(ingest.stderr.contains(flaw == "repeated-key" ? "duplicate _key" : "permissions"), "\(ingest.stderr)")
            #expect(try Self.history(db).isEmpty, "rows were stored")
            #expect(try Self.schema(db) == schema)
            // The same file, mended, then loads.
            lines.removeLast()
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let mended = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-01T02:00:00Z", path])
            #expect(mended.status == 0, "\(mended.stderr)")
            #expect(try Self.history(db).count == 12_000 + 12_000 + 1)
        }
    }
}

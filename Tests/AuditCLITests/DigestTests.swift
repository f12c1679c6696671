import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("signed snapshot digests, kept outside the database")
struct DigestTests {
    @Test("digests signed at ingest verify; a cut tail, a digest removed from the middle, an edited digest and another key are found")
    func digests() throws {
        try withFolder { folder in
            let keys = folder.appendingPathComponent("audit").path
            let keygen = try CommandRunner.run(["digest", "keygen", "--out", keys])
            #expect(keygen.status == 0, "\(keygen.stderr)")
            let privateMode = try FileManager.default.attributesOfItem(atPath: keys + ".key")[.posixPermissions] as? Int
            #expect(privateMode == 0o600)
            #expect(try CommandRunner.run(["digest", "keygen", "--out", keys]).status == 1, "a key is never overwritten")
            let digests = folder.appendingPathComponent("digests").path
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                for day in ["2026-11-16", "2026-11-17", "2026-11-18"] {
                    let night = DemoDatabase.root.appendingPathComponent("samples/\(day)\(day == "2026-11-18" ? ".aws.json" : ".ndjson")").path
                    let ingest = try CommandRunner.run([
                        "ingest", "--database-url", db, "--captured-at", "\(day)T02:00:00Z", "--digest-dir", digests, "--signing-key", keys + ".key", night,
                    ])
                    #expect(ingest.status == 0, "\(ingest.stderr)")
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: digests).sorted() == [
                    "snapshot-0000000001.json", "snapshot-0000000002.json", "snapshot-0000000003.json",
                ])
                func verify(_ publicKey: String = keys + ".pub", in folder: String = digests) throws -> CommandRunner.Outcome {
                    try CommandRunner.run(["verify", "--database-url", db, "--digests", folder, "--public-key", publicKey])
                }
                let clean = try verify()
                #expect(clean.status == 0, "\(clean.stderr)")
                #expect(clean.stdout.contains("3 signed digest(s)"))
                #expect(clean.stdout.contains("chain head: event #"))

                // Another key: nothing verifies.
                let other = folder.appendingPathComponent("other").path
                #expect(try CommandRunner.run(["digest", "keygen", "--out", other]).status == 0)
                #expect(try verify(other + ".pub").stderr.contains("is not signed by this key"))

                // A digest edited in place: its signature fails.
                let copy = folder.appendingPathComponent("edited").path
                try FileManager.default.copyItem(atPath: digests, toPath: copy)
                let second = copy + "/snapshot-0000000002.json"
                let text = try String(contentsOfFile: second, encoding: .utf8)
                try text.replacingOccurrences(of: #"\"row_count\":\"20\""#, with: #"\"row_count\":\"19\""#).write(toFile: second, atomically: true, encoding: .utf8)
                #expect(try verify(in: copy).stderr.contains("snapshot #2 (captured 2026-11-17T02:00:00.000000Z) is not signed by this key"))

                // A digest removed from the middle: the chain of digests breaks there.
                let gap = folder.appendingPathComponent("gap").path
                try FileManager.default.copyItem(atPath: digests, toPath: gap)
                try FileManager.default.removeItem(atPath: gap + "/snapshot-0000000002.json")
                #expect(try verify(in: gap).stderr.contains("the digest of snapshot #3 (captured 2026-11-18T02:00:00.000000Z) does not follow the digest before it"))

                // The schema's owner cuts the newest snapshot off the tail, consistently: the
                // history alone still verifies; the digests do not.
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                for table in ["change_events", "profile_versions", "snapshots", "snapshot_warnings", "observed_fields"] {
                    try connection.execute("ALTER TABLE connect_audit.\(table) DISABLE TRIGGER USER")
                }
                try connection.execute("DELETE FROM connect_audit.snapshot_warnings WHERE snapshot_id = 3")
                try connection.execute("DELETE FROM connect_audit.observed_fields WHERE snapshot_id = 3")
                try connection.execute("DELETE FROM connect_audit.change_events WHERE snapshot_id = 3")
                try connection.execute("DELETE FROM connect_audit.profile_versions WHERE snapshot_id = 3")
                try connection.execute("""
                    UPDATE connect_audit.profile_versions v SET valid_to = NULL
                    WHERE valid_to = '2026-11-18T02:00:00Z' AND NOT EXISTS (
                        SELECT 1 FROM connect_audit.profile_versions w WHERE w.profile_key = v.profile_key AND w.version > v.version)
                    """)
                try connection.execute("DELETE FROM connect_audit.snapshots WHERE id = 3")
                for table in ["change_events", "profile_versions", "snapshots", "snapshot_warnings", "observed_fields"] {
                    try connection.execute("ALTER TABLE connect_audit.\(table) ENABLE TRIGGER USER")
                }
                let alone = try CommandRunner.run(["verify", "--database-url", db])
                #expect(alone.status == 0, "the cut history is consistent in itself: \(alone.stderr)")
                let cut = try verify()
                #expect(cut.status == 1)
                #expect(cut.stderr.contains("snapshot #3 (captured 2026-11-18T02:00:00.000000Z) is in the digests but not in the database: removed"), "\(cut.stderr)")
            }
        }
    }
}

@Suite("signing keys on disk")
struct SigningKeyFileTests {
    @Test("keygen: the key is 600 from its first byte (written beside, renamed), a link at .pub is replaced, not followed")
    func keygenFiles() throws {
        try withFolder { folder in
            let keys = folder.appendingPathComponent("audit").path
            let victim = folder.appendingPathComponent("victim.txt").path
            try "precious".write(toFile: victim, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: keys + ".pub", withDestinationPath: victim)
            let keygen = try CommandRunner.run(["digest", "keygen", "--out", keys])
            #expect(keygen.status == 0, "\(keygen.stderr)")
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: keys + ".pub")) == nil)
            #expect(try String(contentsOfFile: keys + ".pub", encoding: .utf8).contains("PUBLIC KEY"))
            #expect(try FileManager.default.attributesOfItem(atPath: keys + ".key")[.posixPermissions] as? Int == 0o600)
            // A link planted at the key's name is never written through.
            let other = folder.appendingPathComponent("other").path
            try FileManager.default.createSymbolicLink(atPath: other + ".key", withDestinationPath: victim)
            #expect(try CommandRunner.run(["digest", "keygen", "--out", other]).status == 1)
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
            // No temporary file is left behind either way.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("partial") }.isEmpty)
        }
    }

    @Test("a signing key readable by group or others is refused, naming the fix")
    func worldReadableKeyRefused() throws {
        try withFolder { folder in
            let keys = folder.appendingPathComponent("audit").path
            #expect(try CommandRunner.run(["digest", "keygen", "--out", keys]).status == 0)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keys + ".key")
            let refused = try CommandRunner.run(["digest", "write", "--digest-dir", folder.path, "--signing-key", keys + ".key",
                                                 "--database-url", "postgresql://nobody@/nowhere?host=/nonexistent"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("readable by its group or others") && refused.stderr.contains("chmod 600"), "\(refused.stderr)")
        }
    }
}

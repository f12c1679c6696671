import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("ingest refuses partial inputs and writes nothing")
struct PartialInputCommandTests {
    @Test("every partial input exits 1 with its message, and the history is as before")
    func refusedUntouched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let night = DemoDatabase.root.appendingPathComponent("samples/2026-11-16.ndjson").path
            #expect(try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-16T02:00:00Z", night]).status == 0)
            func counts() throws -> [Int64] {
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                return try ["snapshots", "profile_versions", "change_events", "snapshot_warnings"].map { table in
                    try connection.query("SELECT count(*) FROM connect_audit.\(table)").first?.decode(Int64.self, at: 0) ?? -1
                }
            }
            let before = try counts()
            for input in PartialInputs.cases {
                let path = directory.appendingPathComponent(input.file).path
                try input.text.write(toFile: path, atomically: true, encoding: .utf8)
                let outcome = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-17T02:00:00Z", path])
                #expect(outcome.status == 1, "\(input.name): \(outcome.stdout)")
                #expect(outcome.stderr.contains(input.words), "\(input.name): \(outcome.stderr)")
            }
            #expect(try counts() == before)
            // The full page goes in when the user says the count is complete.
            let page = directory.appendingPathComponent("page-5000.json").path
            let accepted = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-17T02:00:00Z", "--count-is-complete", "--scope", "instance:i-1", page])
            #expect(accepted.status == 0, "\(accepted.stderr)")
        }
    }
}

import AuditStore
import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("migrations")
struct MigratorTests {
    @Test("every file in migrations/ is embedded in the binary, in order")
    func embeddedMatchesFolder() throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Migration.all.map(\.fileName) == files)
        #expect(Migration.all.map(\.number) == Array(1...files.count))
        for migration in Migration.all {
            let text = try String(contentsOf: folder.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.fileName) differs from its embedded copy: rebuild")
        }
    }

    @Test("applying twice applies nothing the second time")
    func idempotent() throws {
        try TestDatabase.withConnection { connection in
            let first = try Migrator(connection: connection).apply()
            #expect(first.map(\.fileName) == Migration.all.map(\.fileName))
            let second = try Migrator(connection: connection).apply()
            #expect(second.isEmpty)
            let recorded = try connection.query("SELECT version, name FROM connect_audit.schema_migrations ORDER BY version")
            #expect(recorded.map { $0.values } == Migration.all.map { [String($0.number), $0.fileName] })
            #expect(connection.liveResultCount == 0)
        }
    }

    @Test("a migration changed after it was applied is refused")
    func changedMigration() throws {
        try TestDatabase.withConnection { connection in
            let original = Migration.all[0]
            try Migrator(connection: connection).apply()
            let edited = Migration(fileName: original.fileName, sql: original.sql + "\n-- edited\n")
            #expect(throws: StoreError.migrationChanged(original.fileName)) {
                try Migrator(connection: connection, migrations: [edited]).apply()
            }
        }
    }

    @Test("a failing migration leaves no trace and is not recorded")
    func failingMigrationRollsBack() throws {
        try TestDatabase.withConnection { connection in
            try Migrator(connection: connection).apply()
            let broken = Migration(fileName: "0999_broken.sql", sql: "CREATE TABLE connect_audit.half (n int); SELECT 1/0;")
            let error = #expect(throws: PostgresError.self) {
                try Migrator(connection: connection, migrations: Migration.all + [broken]).apply()
            }
            #expect(error?.sqlState == "22012")
            let half = try connection.query("SELECT to_regclass('connect_audit.half') IS NULL")
            #expect(try half[0].decode(Bool.self, at: 0))
            let recorded = try connection.query("SELECT count(*) FROM connect_audit.schema_migrations WHERE version = 999")
            #expect(try recorded[0].decode(Int.self, at: 0) == 0)
        }
    }
}

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

    @Test("migration 20 makes profile keys compare as bytes and remakes the views as they were: columns, grants, comments")
    func keyCollationKeepsViews() throws {
        try TestDatabase.withConnection { connection in
            try Migrator(connection: connection, migrations: Migration.all.filter { $0.number < 20 }).apply()
            let viewsQuery = """
                SELECT c.relname::text,
                       (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                        FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0),
                       coalesce(c.relacl::text, ''), coalesce(obj_description(c.oid, 'pg_class'), '')
                FROM pg_class AS c WHERE c.relnamespace = 'connect_audit'::regnamespace AND c.relkind = 'v' ORDER BY 1
                """
            func views() throws -> [[String]] {
                try connection.query(viewsQuery).map { row in try (0..<4).map { try row.decode(String.self, at: $0) } }
            }
            let before = try views()
            #expect(before.count >= 4)
            try Migrator(connection: connection, migrations: Migration.all.filter { $0.number <= 20 }).apply()
            let after = try views()
            #expect(after.count == before.count)
            for (was, now) in zip(before, after) { #expect(was == now) }
            // Each view still answers (its text is re-deparsed, so compared by what it returns).
            for view in after { _ = try connection.query("SELECT count(*) FROM connect_audit.\(view[0])") }
            let collations = try connection.query("""
                SELECT table_name::text, coalesce(collation_name::text, '') FROM information_schema.columns
                WHERE table_schema = 'connect_audit' AND column_name = 'profile_key' AND table_name IN ('profile_versions', 'change_events', 'snapshot_warnings')
                ORDER BY 1
                """).map { [try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)] }
            #expect(collations == [["change_events", "C"], ["profile_versions", "C"], ["snapshot_warnings", "C"]])
        }
    }
}

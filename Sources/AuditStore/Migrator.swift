import AuditCore
import AuditModel
import PostgresClient
import SnapshotReading

/// Applies the embedded migrations in order, each in its own transaction, under an
/// advisory lock, recording them in `connect_audit.schema_migrations`.
///
/// Running it twice applies nothing the second time; two runs at once serialize on the
/// lock, and the second finds the work done.
package struct Migrator {
    /// The advisory lock key every `migrate` takes ("connaudt" in ASCII).
    package static let lockKey: Int64 = 0x636F_6E6E_6175_6474

    private let connection: PostgresConnection
    private let migrations: [Migration]

    /// Creates a migrator for `migrations` (by default, every embedded one).
    package init(connection: PostgresConnection, migrations: [Migration] = Migration.all) {
        self.connection = connection
        self.migrations = migrations.sorted { $0.number < $1.number }
    }

    /// Applies what is missing and returns the migrations it applied.
    ///
    /// - Throws: `StoreError.migrationChanged` when an applied migration's text differs from
    ///   the one in this binary; `PostgresError` when the server refuses a statement.
    @discardableResult
    package func apply() throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock($1)", [Self.lockKey])
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
        try connection.withTransaction { connection in
            try connection.execute("CREATE SCHEMA IF NOT EXISTS connect_audit")
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS connect_audit.schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    sha256     text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        let applied = try appliedChecksums()
        var done: [Migration] = []
        for migration in migrations {
            let checksum = SHA256.hex(of: migration.sql)
            if let recorded = applied[migration.number] {
                guard recorded == checksum else { throw StoreError.migrationChanged(migration.fileName) }
                continue
            }
            try connection.withTransaction { connection in
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO connect_audit.schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                    [migration.number, migration.fileName, checksum])
            }
            done.append(migration)
        }
        return done
    }

    /// The migrations recorded in the database: number → SHA-256 of its text.
    private func appliedChecksums() throws -> [Int: String] {
        var checksums: [Int: String] = [:]
        for row in try connection.query("SELECT version, sha256 FROM connect_audit.schema_migrations") {
            checksums[try row.decode(Int.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return checksums
    }
}

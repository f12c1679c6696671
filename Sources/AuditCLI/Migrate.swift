import ArgumentParser
import AuditStore

/// `connect-audit migrate`: applies the migrations this binary carries.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the connect_audit schema.",
        discussion: "Applies each missing migration in its own transaction under an advisory lock; running it again applies nothing.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        let applied = try Migrator(connection: connection).apply()
        if applied.isEmpty {
            print("nothing to apply: the schema is up to date (\(Migration.all.count) migrations)")
        } else {
            for migration in applied { print("applied \(migration.fileName)") }
        }
    }
}

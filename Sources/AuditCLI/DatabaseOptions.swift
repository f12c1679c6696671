import ArgumentParser
import Foundation
import PostgresClient

/// Where the database is: `--database-url`, else `DATABASE_URL`, else libpq's `PG*` variables.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL or connection string.",
            discussion: "Defaults to DATABASE_URL, else libpq's PG* variables (PGHOST, PGPORT, PGDATABASE, ...).",
            valueName: "url"))
    var databaseURL: String?

    /// The connection string to hand to libpq; empty means "libpq's defaults".
    var conninfo: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }

    /// Opens a connection, turning a failure into one clear line.
    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo)
    }
}

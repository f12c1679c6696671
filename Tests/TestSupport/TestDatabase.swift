import Foundation
import PostgresClient

/// A throwaway database on the test server, dropped when the test ends.
///
/// The server comes from `DATABASE_URL`, else libpq's `PG*` variables. When none is
/// reachable the test fails with a message saying how to get one: database tests never
/// pass silently without a server.
package enum TestDatabase {
    /// The connection string of the test server.
    package static var serverConninfo: String { ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "" }

    /// Connects to the server's maintenance database, failing loudly when none is reachable.
    package static func connectToServer() throws -> PostgresConnection {
        do {
            return try PostgresConnection(serverConninfo)
        } catch let error as PostgresError {
            throw TestSetupError(
                "no PostgreSQL reachable for the database tests (\(error.message)). "
                    + "Run scripts/test, which starts one, or set DATABASE_URL.")
        }
    }

    /// Creates a fresh database (a copy of `template`, when given), passes its connection
    /// string to `body`, then drops it.
    package static func withDatabase<T>(template: String? = nil, _ body: (String) throws -> T) throws -> T {
        let admin = try connectToServer()
        defer { admin.close() }
        let name = "ca_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let copy = try template.map { " TEMPLATE " + (try admin.escapeIdentifier($0)) } ?? ""
        try admin.execute("CREATE DATABASE \(try admin.escapeIdentifier(String(name)))" + copy)
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(try admin.escapeIdentifier(String(name))) WITH (FORCE)")
        }
        let conninfo = try PostgresConnection.conninfo(serverConninfo, replacing: ["dbname": String(name)])
        return try body(conninfo)
    }

    /// The database name in a connection string made by `withDatabase`.
    package static func databaseName(_ conninfo: String) -> String? {
        conninfo.split(separator: " ").first { $0.hasPrefix("dbname=") }
            .map { String($0.dropFirst("dbname=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
    }

    /// Waits, at most `timeout`, until no session but the caller's is connected to
    /// `database` (a killed client's server process may still be rolling back).
    package static func waitForIdle(_ database: String, timeout: Duration = .seconds(30)) throws {
        let admin = try connectToServer()
        defer { admin.close() }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let others = try admin.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database])
            if try others[0].decode(Int.self, at: 0) == 0 { return }
            _ = try admin.query("SELECT pg_sleep(0.02)")
        }
        throw TestSetupError("sessions on \(database) did not end within \(timeout)")
    }

    /// Creates a fresh database and hands `body` an open connection to it.
    package static func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withDatabase { conninfo in
            let connection = try PostgresConnection(conninfo)
            defer { connection.close() }
            return try body(connection)
        }
    }
}

/// A test could not set itself up; the message says what to do.
package struct TestSetupError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

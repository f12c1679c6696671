import Foundation
import PostgresClient

/// A throwaway database on the test server, dropped when the test ends.
///
/// The server comes from `DATABASE_URL`, else libpq's `PG*` variables. When none is
/// reachable the test fails with a message saying how to get one: database tests never
/// pass silently without a server.
public enum TestDatabase {
    /// The connection string of the test server.
    public static var serverConninfo: String { ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "" }

    /// Connects to the server's maintenance database, failing loudly when none is reachable.
    public static func connectToServer() throws -> PostgresConnection {
        do {
            return try PostgresConnection(serverConninfo)
        } catch let error as PostgresError {
            throw TestSetupError(
                "no PostgreSQL reachable for the database tests (\(error.message)). "
                    + "Run scripts/test, which starts one, or set DATABASE_URL.")
        }
    }

    /// Creates a fresh database, passes its connection string to `body`, then drops it.
    public static func withDatabase<T>(_ body: (String) throws -> T) throws -> T {
        let admin = try connectToServer()
        defer { admin.close() }
        let name = "ca_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try admin.execute("CREATE DATABASE \(try admin.escapeIdentifier(String(name)))")
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(try admin.escapeIdentifier(String(name))) WITH (FORCE)")
        }
        let conninfo = try PostgresConnection.conninfo(serverConninfo, replacing: ["dbname": String(name)])
        return try body(conninfo)
    }

    /// Creates a fresh database and hands `body` an open connection to it.
    public static func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withDatabase { conninfo in
            let connection = try PostgresConnection(conninfo)
            defer { connection.close() }
            return try body(connection)
        }
    }
}

/// A test could not set itself up; the message says what to do.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

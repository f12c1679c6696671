import Foundation
import PostgresClient

/// Databases built once per test process and copied for each test (`CREATE DATABASE ...
/// TEMPLATE`), instead of building the same history again in every test.
package final class TemplateDatabases: @unchecked Sendable {
    /// The process's templates.
    package static let shared = TemplateDatabases()

    private let lock = NSLock()
    private var built: [String: Result<String, any Error>] = [:]

    /// The name of the template `key`, built by `build` (given its connection string) the
    /// first time it is asked for. Tests asking at once wait for the one build.
    package func template(_ key: String, build: (String) throws -> Void) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let result = built[key] { return try result.get() }
        let result = Result { try make(key, build: build) }
        built[key] = result
        return try result.get()
    }

    private func make(_ key: String, build: (String) throws -> Void) throws -> String {
        let admin = try TestDatabase.connectToServer()
        defer { admin.close() }
        try dropLeftovers(admin)
        let name = "ca_tpl_\(key)_\(getpid())"
        try admin.execute("DROP DATABASE IF EXISTS \(try admin.escapeIdentifier(name))")
        try admin.execute("CREATE DATABASE \(try admin.escapeIdentifier(name))")
        try build(try PostgresConnection.conninfo(TestDatabase.serverConninfo, replacing: ["dbname": name]))
        // A template cannot be copied while anyone is connected to it.
        try TestDatabase.waitForIdle(name)
        return name
    }

    /// Drops templates left by test processes that are gone.
    private func dropLeftovers(_ admin: PostgresConnection) throws {
        for row in try admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'ca\\_tpl\\_%'") {
            let name = try row.decode(String.self, at: 0)
            guard let pid = name.split(separator: "_").last.flatMap({ Int32($0) }), pid != getpid(), kill(pid, 0) != 0 else { continue }
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(try admin.escapeIdentifier(name)) WITH (FORCE)")
        }
    }
}

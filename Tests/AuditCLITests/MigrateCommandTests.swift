import AuditStore
import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("connect-audit migrate")
struct MigrateCommandTests {
    @Test("migrate twice in a row applies nothing the second time")
    func twiceInARow() throws {
        try TestDatabase.withDatabase { conninfo in
            let first = try CommandRunner.run(["migrate", "--database-url", conninfo])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("applied 0001_schema.sql"))
            let second = try CommandRunner.run(["migrate"], environment: ["DATABASE_URL": conninfo])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(!second.stdout.contains("applied"))
            #expect(second.stdout.contains("nothing to apply"))
        }
    }

    @Test("two migrate processes started together both succeed and apply each migration once")
    func concurrent() throws {
        try TestDatabase.withDatabase { conninfo in
            let a = try CommandRunner.start(["migrate", "--database-url", conninfo])
            let b = try CommandRunner.start(["migrate", "--database-url", conninfo])
            let outcomes = [CommandRunner.finish(a.0, a.1, a.2), CommandRunner.finish(b.0, b.1, b.2)]
            for outcome in outcomes { #expect(outcome.status == 0, "\(outcome.stderr)") }
            let applied = outcomes.map { $0.stdout.components(separatedBy: "applied 0001_schema.sql").count - 1 }
            #expect(applied.sorted() == [0, 1])
            let connection = try PostgresConnection(conninfo)
            defer { connection.close() }
            let count = try connection.query("SELECT count(*) FROM connect_audit.schema_migrations")
            #expect(try count[0].decode(Int.self, at: 0) == Migration.all.count)
        }
    }

    @Test("an unreachable database is one clear line on stderr, exit 1, no password")
    func unreachable() throws {
        let outcome = try CommandRunner.run(["migrate", "--database-url", "postgresql://auditor:hunter2@127.0.0.1:1/x?connect_timeout=5"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stderr.contains("could not connect"))
        #expect(!outcome.stderr.contains("hunter2"))
    }

    @Test("a usage error exits 2")
    func usage() throws {
        let outcome = try CommandRunner.run(["migrate", "--no-such-flag"])
        #expect(outcome.status == 2)
    }
}

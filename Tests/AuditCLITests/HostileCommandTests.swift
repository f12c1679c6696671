import ArgumentParser
import AuditCLI
import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading
import TestSupport
import Testing

/// What a careless or hostile user, file or server does to the command line: no trap, no
/// secret printed, no control character reaching the terminal, nothing committed before
/// it is validated.
@Suite("the command line under hostile and careless input")
struct HostileCommandTests {
    /// A database URL that fails fast (nothing listens on port 1), for commands that must
    /// refuse their options before connecting.
    static let nowhere = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"

    @Test("numeric options out of range are usage errors (exit 2), never a trap", arguments: [
        ["report", "--since", "106751992d"], ["report", "--since", "99999999999999w"],
        ["watch", "--seconds", "inf"], ["watch", "--seconds", "nan"], ["watch", "--seconds", "1e300"], ["watch", "--seconds", "-1"],
        ["alerts", "deliver", "--rules", "r.yaml", "--max-wait", "inf"], ["alerts", "deliver", "--rules", "r.yaml", "--max-wait", "1e300"],
        ["alerts", "deliver", "--rules", "r.yaml", "--max-attempts", "0"],
        ["ingest", "--captured-at", "2090-01-01T00:00:00Z", "x.ndjson"],
        ["ingest", "--captured-at", "9999-12-31T23:59:59.9999999Z", "x.ndjson"],
        ["baseline", "approve", "y9", "--at", "9999-12-31T23:59:59.9999999Z"],
        ["state", "--as-of", "0000-01-01T00:00:00Z"],
    ])
    func boundedOptions(arguments: [String]) {
        // Parsed in-process, as argument-parser's helpers allow: exit code 2 is `.validationFailure`.
        do {
            _ = try ConnectAudit.parseAsRoot(arguments + ["--database-url", Self.nowhere])
            Issue.record("\(arguments) must be refused")
        } catch {
            #expect(ConnectAudit.exitCode(for: error) == .validationFailure, "\(arguments): \(ConnectAudit.fullMessage(for: error))")
            #expect(!ConnectAudit.message(for: error).isEmpty)
        }
    }

    @Test("a long window is clamped to year 1, not a trap")
    func longWindow() throws {
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let outcome = try CommandRunner.run(["report", "--since", "3000000d", "--format", "json", "--database-url", db])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("\"from\":\"0001-01-01T00:00:00.000000Z\""))
        }
    }

    @Test("passwords are never printed: unparsable URLs, and a URL given where a file was expected", arguments: [
        (["migrate", "--database-url", "postgresql://bob:SeCr%zzEt@127.0.0.1:1/x"], "SeCr"),
        (["migrate", "--database-url", "postgresql://bob:pw1234@[::1:54330/x"], "pw1234"),
        (["migrate", "--database-url", "host=127.0.0.1 port=1 password=hunter22 connect_timeout=2"], "hunter22"),
        (["migrate", "postgresql://bob:hunter22@127.0.0.1/db"], "hunter22"),
        (["ingest", "--database-url", "postgresql://bob:hunter22@127.0.0.1:1/db", "--format", "nope", "postgresql://bob:hunter22@x/y"], "hunter22"),
    ])
    func noPasswordPrinted(arguments: [String], secret: String) throws {
        let outcome = try CommandRunner.run(arguments)
        #expect(outcome.status != 0)
        #expect(!outcome.stderr.isEmpty)
        #expect(!outcome.stderr.contains(secret), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains(secret))
    }

    @Test("baseline approve at a time past the range writes nothing; baseline list still works")
    func baselinePastRange() throws {
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let approve = try CommandRunner.run(["baseline", "approve", "y9", "--at", "9999-12-31T23:59:59.9999999Z", "--database-url", db])
            #expect(approve.status == 2)
            let list = try CommandRunner.run(["baseline", "list", "--database-url", db])
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("no baselines"))
        }
    }

    @Test("control characters and markup in names reach no output raw: text, markdown, html, state, history, ingest")
    func hostileNames() throws {
        let files = try NightlyFiles()
        defer { files.remove() }
        let evil = "Evil\u{1B}[2J\rforged\nsevere | row\tcell <script>alert(1)</script> <img src=x onerror=alert(2)>"
        let arn = "arn:aws:connect:us-east-1:123456789012:instance/i-evil/security-profile/p\u{1B}[31m"
        let night1 = try files.write([SecurityProfile(key: arn, description: "d", securityProfileName: "plain", tagRestrictedResources: ["User"])], name: "1.ndjson")
        let night2 = try files.write([SecurityProfile(key: arn, description: evil, securityProfileName: evil)], name: "2.ndjson")
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            #expect(try CommandRunner.run(["ingest", "--captured-at", "2026-11-20T02:00:00Z", "--database-url", db, night1]).status == 0)
            let dryRun = try CommandRunner.run(["ingest", "--dry-run", "--captured-at", "2026-11-21T02:00:00Z", "--database-url", db, night2])
            #expect(try CommandRunner.run(["ingest", "--captured-at", "2026-11-21T02:00:00Z", "--database-url", db, night2]).status == 0)
            let window = ["--from", "2026-11-01T00:00:00Z", "--to", "2026-11-30T00:00:00Z", "--database-url", db]
            let text = try CommandRunner.run(["report", "--format", "text"] + window)
            let markdown = try CommandRunner.run(["report", "--format", "markdown"] + window)
            let html = try CommandRunner.run(["report", "--format", "html"] + window)
            let state = try CommandRunner.run(["state", "--database-url", db])
            let history = try CommandRunner.run(["history", arn, "--database-url", db])
            for (name, outcome) in [("dry run", dryRun), ("text", text), ("markdown", markdown), ("html", html), ("state", state), ("history", history)] {
                #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
                let raw = outcome.stdout.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" }
                #expect(!raw, "\(name) printed a control character raw")
            }
            // Markup is inert in the formats that render it.
            #expect(!markdown.stdout.contains("<script>") && !markdown.stdout.contains("<img"))
            // The HTML report's one script is its own filter; the name's markup is text.
            #expect(html.stdout.components(separatedBy: "<script>").count - 1 == 1)
            #expect(!html.stdout.contains("<img"))
            // A tab in a name shifts no column of `state`.
            #expect(state.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 4 })
            // The newline in the name forges no row: no line starts with the text after it.
            #expect(!text.stdout.split(separator: "\n").contains { $0.hasPrefix("severe") })
            #expect(text.stdout.contains("\\u{1B}[2J"))
            #expect(markdown.stdout.contains("&lt;script&gt;"))
            #expect(html.stdout.contains("&lt;script&gt;"))
        }
    }
}

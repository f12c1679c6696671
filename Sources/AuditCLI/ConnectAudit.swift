import ArgumentParser
import AuditCore
import AuditModel
import Foundation
import Platform
import PostgresClient
import SecretRedaction
import SnapshotReading

/// The `connect-audit` command and its subcommands.
///
/// Exit codes: 0 ok, 1 error (one line on stderr), 2 usage, 3 drift at or above `--fail-on`.
public struct ConnectAudit: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connect-audit",
        abstract: "Change-tracking audit of Amazon Connect security profiles.",
        subcommands: [
            Migrate.self, Ingest.self, Report.self, Drift.self, BaselineCommand.self, History.self, State.self,
            Alerts.self, Watch.self, Verify.self, PolicyCommand.self, PullCommand.self, TrailCommand.self, Nightly.self, DigestCommand.self,
        ])

    public init() {}
}

extension ConnectAudit {
    /// Parses the process's arguments, runs the command and exits with DESIGN's codes:
    /// 0 ok, 1 error, 2 usage, 3 drift at or above `--fail-on`.
    ///
    /// An error is printed on stderr, redacted (a connection string given where a file was
    /// expected must not be echoed with its password) and with control characters escaped;
    /// help goes to stdout.
    public static func runAndExit(_ arguments: [String]? = nil) -> Never {
        Memory.keepFreedMemory()
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exit(withError: nil)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            let message = fullMessage(for: error)
            if !message.isEmpty {
                let lines = Redaction.secrets(in: message).split(separator: "\n", omittingEmptySubsequences: false)
                let safe = lines.map { TextEscaping.terminal(String($0)) }.joined(separator: "\n")
                FileHandle.standardError.write(Data((safe + "\n").utf8))
            }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

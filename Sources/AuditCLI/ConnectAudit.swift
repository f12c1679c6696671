import Foundation
import ArgumentParser

/// The `connect-audit` command and its subcommands.
///
/// Exit codes: 0 ok, 1 error (one line on stderr), 2 usage, 3 drift at or above `--fail-on`.
public struct ConnectAudit: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connect-audit",
        abstract: "Change-tracking audit of Amazon Connect security profiles.",
        subcommands: [
            Migrate.self, Ingest.self, Report.self, Drift.self, BaselineCommand.self, History.self, State.self,
            Alerts.self, Watch.self, Verify.self,
        ])

    public init() {}
}

extension ConnectAudit {
    /// Parses the process's arguments, runs the command and exits with DESIGN's codes:
    /// 0 ok, 1 error, 2 usage, 3 drift at or above `--fail-on`.
    ///
    /// An error is printed as one line on stderr; help goes to stdout.
    public static func runAndExit(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exit(withError: nil)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

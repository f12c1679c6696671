import ArgumentParser
import AuditCore
import AuditModel
import Foundation
import Platform
import ReportRendering
import SnapshotReading


/// The options `report` and `drift` share: format, filters and `--fail-on`.
struct ReportOptions: ParsableArguments {
    @Option(help: "text, markdown, json or html.")
    var format: ReportFormat = .text

    @Option(name: .customLong("min-severity"), help: "Leave out changes below this severity (info, low, medium, high, critical).")
    var minSeverity: Severity = .info

    @Option(help: "Only this AWS account.")
    var account: String?

    @Option(name: .customLong("fail-on"), help: "Exit 3 when a change at or above this severity is reported.")
    var failOn: Severity?

    /// Prints the report, then exits 3 when `--fail-on` is met.
    func emit(_ report: DriftReport) throws {
        if format == .json {
            // Written as it is rendered: a year's JSON can be gigabytes.
            fflush(nil)  // what `print` buffered, before the bytes written directly
            StandardOutput.enlargePipe()
            do {
                try ReportRenderer.writeJSON(report, to: StandardOutput.write)
                try StandardOutput.write(Array("\n".utf8))
            } catch let error as StandardOutput.WriteError {
                throw CLIError("cannot write the report to standard output (\(error)): check the disk, or the command it is piped to")
            }
        } else {
            // OCSF is NDJSON: every line ends in its own newline, none after.
            print(try ReportRenderer.render(report, as: format), terminator: format == .ocsf ? "" : "\n")
        }
        // Freed item by item, a year's report took a twentieth of the command's time.
        ProcessLifetime.keepUntilExit(report)
        if let failOn, report.hasItem(atLeast: failOn) { throw ExitCode(3) }
    }
}

import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import ReportRendering
import SnapshotReading

/// `connect-audit report`: the changes of a window, most severe first.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report the changes of a time window, most severe first.",
        discussion: "Exits 3 when --fail-on is given and a change at or above it is in the window.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var window: WindowOptions
    @OptionGroup var output: ReportOptions
    @OptionGroup var policyOptions: PolicyOptions

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        let now = Instant.now
        let (from, to) = window.window(now: now)
        let events = try HistoryQueries(connection: connection)
            .reportEvents(from: from, to: to, account: output.account, minSeverity: output.minSeverity)
        var report = DriftReport(
            title: "changes from \(from.minuteText) to \(to.minuteText)",
            from: from, to: to, generatedAt: now, rows: events.rows, discovered: events.discoveries)
        report.firstObservations = events.firstObservations
        // Users whose access moved, weighed by the policy's permission classes; those below
        // --min-severity left out, as changes are.
        let policy = try policyOptions.load()
        report.userChanges = UserAccessChange.grouped(
            try HistoryQueries(connection: connection).userAccessChanges(from: from, to: to, account: output.account),
            catalog: policy.catalog
        ).filter { $0.severity >= output.minSeverity }
        try output.emit(report)
    }
}

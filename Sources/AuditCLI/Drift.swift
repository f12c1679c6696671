import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import ReportRendering
import SnapshotReading

/// `connect-audit drift --baseline NAME`: the net difference between then and now.
struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the current state with an approved baseline, per profile and field.",
        discussion: "Exits 3 when --fail-on is given and a difference at or above it is found.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The approved baseline to compare with (see `baseline list`).")
    var baseline: String

    @OptionGroup var output: ReportOptions

    @OptionGroup var policyOptions: PolicyOptions

    func run() throws {
        let policy = try policyOptions.load()
        let connection = try database.connect()
        defer { connection.close() }
        let queries = HistoryQueries(connection: connection)
        guard let approved = try queries.baseline(baseline) else {
            throw CLIError("no baseline named \(baseline); `connect-audit baseline list` shows them, `baseline approve` makes one")
        }
        let then = try queries.profiles(asOf: approved.approvedAt).map(\.profile)
        let now = try queries.profiles(asOf: nil).map(\.profile)
        let items = BaselineDrift.items(then: then, now: now, policy: policy).filter { item in
            item.severity >= output.minSeverity && (output.account == nil || item.accountID == output.account)
        }
        let report = DriftReport(
            title: "drift since baseline \(approved.name) (approved \(approved.approvedAt.minuteText))",
            baseline: approved.name, generatedAt: Instant.now, items: items)
        try output.emit(report)
    }
}

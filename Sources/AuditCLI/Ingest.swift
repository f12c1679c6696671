import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import Platform
import SnapshotReading
import SnapshotSources

/// `connect-audit ingest FILE...`: each file is one snapshot (with `--parts`, all are one),
/// ingested in the order given.
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest snapshots into the history.",
        discussion: """
            Each file is one snapshot (- is standard input), ingested in the order given. A file that cannot be \
            read whole is refused with every problem found and nothing is written. Re-ingesting a snapshot with \
            the same content and scope is a no-op.
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "Snapshot files; - is standard input.")
    var files: [String]

    @Option(help: "ndjson, json, csv, aws, ddsql, or auto (by name and keys).")
    var format: InputFormat = .auto

    @Option(name: .customLong("captured-at"), help: "When the export was taken (ISO-8601); default: when the pull started (FILE.pull.json), else now.")
    var capturedAt: Instant?

    @Option(help: "all, account:ID,..., or instance:ID,...; default: the instances in the snapshot.")
    var scope: SnapshotScope?

    @Option(name: .customLong("max-delete-fraction"), help: "Refuse a snapshot that deletes more than this share of its scope.")
    var maxDeleteFraction = 0.5

    @Flag(name: .customLong("dry-run"), help: "Print the change set; write nothing.")
    var dryRun = false

    @Flag(help: "All files are pages of one snapshot (DDSQL's 10,000-row pages).")
    var parts = false

    @Flag(
        name: .customLong("count-is-complete"),
        help: "A last DDSQL page of exactly 5,000 or 10,000 rows (a row_limit) is the whole table, not a cut-off page.")
    var countIsComplete = false

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    @Option(help: "Alert rules (YAML): matching events get alerts, written with them.")
    var rules: String?

    @OptionGroup var policyOptions: PolicyOptions

    @OptionGroup var digests: DigestOptions

    func validate() throws {
        if let instant = capturedAt {
            // A snapshot stamped in the future would make every later nightly ingest "older", for good.
            if let latest = Instant.now.adding(microseconds: Self.futureTolerance), instant > latest {
                throw ValidationError(
                    "--captured-at \(instant.iso8601) is more than a day ahead of this machine's clock; "
                        + "a snapshot cannot be taken in the future (check the date and the time zone)")
            }
        }
        if !(0...1).contains(maxDeleteFraction) {
            throw ValidationError("--max-delete-fraction must be between 0 and 1")
        }
    }

    /// When the pull that wrote these files started (the earliest, for several parts), from
    /// their `FILE.pull.json` records; `nil` when none has one.
    static func pulledAt(_ files: [String]) throws -> Instant? {
        do {
            return try files.compactMap { try PulledFile.capturedAt(of: $0) }.min()
        } catch let error as PullError {
            throw CLIError(error.description)
        }
    }

    /// The snapshot warnings the pull records of these files carry: one `account_unread`
    /// per account the pull could not read.
    static func pullWarnings(_ files: [String]) throws -> [SnapshotWarning] {
        do {
            return try files.flatMap { file in
                (try PulledFile.record(of: file)?.unreadAccounts ?? []).map { unread in
                    SnapshotWarning(
                        key: nil, kind: "account_unread",
                        detail: "account \(unread.account) was not read by the pull (\(unread.reason)); its instances are absent from this snapshot, so nothing of them was deleted")
                }
            }
        } catch let error as PullError {
            throw CLIError(error.description)
        }
    }

    /// How far ahead of the clock `--captured-at` may be: a day, more than any time zone
    /// mix-up or clock skew.
    static let futureTolerance: Int64 = 86_400_000_000

    func run() throws {
        let alertRules = try rules.map(AlertRulesFile.load)
        let policy = try policyOptions.load()
        let groups = parts ? [files] : files.map { [$0] }
        let connection = try database.connect()
        defer { connection.close() }
        let ingestor = Ingestor(connection: connection)
        var reports: [IngestReport] = []
        var userReports: [[String: Any]] = []
        for group in groups {
            if !parts, let file = group.first, UserIngest.isUserExport(file) {
                let (users, outcome) = try UserIngest.run(
                    file: file, capturedAt: try capturedAt ?? Self.pulledAt(group) ?? Instant.now, scope: scope,
                    maxDeleteFraction: maxDeleteFraction, dryRun: dryRun, rules: alertRules, policy: policy,
                    connection: UserIngestor(connection: connection))
                if output == .text { print(UserIngest.text(source: file, users: users, outcome: outcome)) }
                userReports.append(UserIngest.json(source: file, users: users, outcome: outcome))
                continue
            }
            var request = IngestRequest(
                snapshot: .unread,
                source: group.joined(separator: ","),
                format: format.name,
                capturedAt: try capturedAt ?? Self.pulledAt(group) ?? Instant.now,
                scope: scope,
                maxDeleteFraction: maxDeleteFraction,
                dryRun: dryRun,
                rules: alertRules,
                policy: policy)
            request.sourceWarnings = try Self.pullWarnings(group)
            let (snapshot, outcome) = try SnapshotIngest.run(
                group, format: format.format, countIsComplete: countIsComplete, request: request, ingestor: ingestor)
            let report = IngestReport(source: request.source, rows: snapshot.count, outcome: outcome)
            if output == .text { print(report.text) }
            reports.append(report)
            ProcessLifetime.keepUntilExit((snapshot, outcome))
        }
        ProcessLifetime.keepUntilExit(reports)
        if output == .json { print(IngestReport.json(reports, users: userReports)) }
        if let target = try digests.target() {
            let written = try target.write(connection)
            Progress.say("wrote \(written.count) signed digest(s) to \(target.folder)")
        }
    }
}

import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import Platform
import PostgresClient
import ReportRendering
import SnapshotReading
import SnapshotSources

/// `connect-audit nightly --config FILE`: pull → ingest (policy, rules) → reports in the
/// run's folder → alerts delivered; one summary line. With `users` (the default), the
/// instances' users are pulled and ingested after the profiles: a failure there leaves the
/// profiles' snapshot, reports and alerts done and fails the run (exit 1), as an account
/// left out does.
///
/// Exit codes: 0 done; 1 an error (nothing half done: a pull writes its file whole or not
/// at all, an ingest is one transaction); 3 a change at or above `fail_on`. A run killed
/// anywhere and started again finishes the job without repeating it: the pull is taken
/// again, its snapshot is the one already ingested (a no-op), the reports are written
/// again, and alerts already delivered are not sent twice.
struct Nightly: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the nightly job from a configuration file: pull, ingest, report, alert.",
        discussion: "Exits 0, 1 (error, nothing half done) or 3 (a change at or above fail_on). Two runs never overlap (a lock file).")

    @Option(help: "The nightly configuration (YAML).") var config: String
    @Option(name: .customLong("retry-base"), help: .hidden) var retryBase = 0.5

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let settings = try NightlyConfig.load(config, environment: environment)
        let clock = ContinuousClock.now
        var metrics = NightlyMetrics(finishedAt: .now)
        var outcome: (any Error)?
        do {
            try perform(settings, environment: environment, metrics: &metrics)
            metrics.succeeded = true
        } catch let exit as ExitCode where exit.rawValue == 3 {
            // fail_on met: the job did all it was asked; the exit code says what it found.
            metrics.succeeded = true
            outcome = exit
        } catch {
            outcome = error
        }
        if let path = settings.metricsFile {
            metrics.finishedAt = .now
            metrics.durationSeconds = (ContinuousClock.now - clock).inSeconds
            metrics.lastSuccessAt = metrics.succeeded
                ? metrics.finishedAt : (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(NightlyMetrics.lastSuccess)
            do {
                try metrics.write(to: path)
            } catch {
                FileHandle.standardError.write(Data("nightly: the metrics file was not written: \(error)\n".utf8))
                if outcome == nil { outcome = ExitCode(1) }
            }
        }
        if let datadog = settings.metricsDatadog {
            metrics.finishedAt = .now
            metrics.durationSeconds = (ContinuousClock.now - clock).inSeconds
            if metrics.succeeded { metrics.lastSuccessAt = metrics.finishedAt }
            if let problem = Self.sendToDatadog(metrics, url: datadog.url, tags: datadog.tags, environment: environment) {
                FileHandle.standardError.write(Data("nightly: the metrics were not sent to Datadog: \(problem)\n".utf8))
                if outcome == nil { outcome = ExitCode(1) }
            }
        }
        if let outcome { throw outcome }
    }

    /// Sends the run's metrics to Datadog's series intake (`POST /api/v2/series` at
    /// `https://api.<DD_SITE>`, the key in `DD-API-KEY`: datadog-api-client's
    /// `MetricsApi.submit_metrics`), one attempt bounded by 30 seconds: why it failed, or `nil`.
    static func sendToDatadog(_ metrics: NightlyMetrics, url: String?, tags: [String], environment: [String: String]) -> String? {
        guard let apiKey = environment["DD_API_KEY"], !apiKey.isEmpty else { return "set DD_API_KEY in the environment" }
        let site = environment["DD_SITE"].flatMap { $0.isEmpty ? nil : $0 } ?? "datadoghq.com"
        guard url != nil || DDSQLPuller.endpoint(site: site) != nil else { return "DD_SITE is not a site name" }
        var base = url ?? "https://api.\(site)"
        if base.hasSuffix("/") { base.removeLast() }
        let result = WebhookSender.post(
            metrics.datadogSeries(tags: ["source:connect-audit"] + tags), to: base + "/api/v2/series", headers: ["DD-API-KEY": apiKey],
            timeout: 30, idempotencyKey: "nightly-\(metrics.finishedAt.microsecondsSinceEpoch)"
        ).redacting(known: [apiKey])
        switch result {
        case .delivered: return nil
        case .retry(let reason, _), .failed(let reason): return reason
        }
    }

    /// The run itself: pull, ingest, report, alert; what it did goes into `metrics` as it
    /// goes, so that a run that fails half-way reports how far it came.
    private func perform(_ settings: NightlyConfig, environment: [String: String], metrics: inout NightlyMetrics) throws {
        for folder in [settings.pulls, settings.reportsDir] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        // Every file the run needs is read before the pull: a typo fails at once, not after it.
        let policy = try settings.policy.map(PolicyFile.load) ?? .standard
        let rules = try settings.rules.map(AlertRulesFile.load)
        let lock = try NightlyLock(path: settings.lock)
        defer { lock.release() }
        PartialFiles.shared.removeOnInterrupt()
        // A run's files are named by its start to the second: a second run on one day never
        // replaces the evidence of an earlier one.
        let started = Instant.now
        let day = String(started.iso8601.prefix(10))
        let run = Self.runName(started, free: { name in
            !([settings.pulls + "/\(name).ndjson", settings.pulls + "/\(name).aws.jsonl", settings.pulls + "/\(name).users.ndjson",
               settings.pulls + "/\(name).users.aws.jsonl", settings.reportsDir + "/\(name)"]
                .contains { FileManager.default.fileExists(atPath: $0) || (try? FileManager.default.destinationOfSymbolicLink(atPath: $0)) != nil })
        })

        // 1. Pull: the profiles, then the users.
        let profiles: Pulled
        do {
            profiles = try pull(.securityProfiles, settings: settings, environment: environment, run: run)
        } catch let error as PullError {
            throw CLIError("pull failed, nothing ingested: \(error.description)")
        }
        let (pulled, pulledFormat, pulledRows, unreadAccounts) = (profiles.path, profiles.format, profiles.rows, profiles.unreadAccounts)
        metrics.profiles = pulledRows
        var usersPulled: Pulled?
        var userProblems: [String] = []
        if settings.users {
            do {
                usersPulled = try pull(.users, settings: settings, environment: environment, run: run)
            } catch let error as PullError {
                userProblems.append("the users' pull failed, no user snapshot taken: \(error.description) (set `users: false` to skip users)")
            }
        }

        // 2. Ingest, with the policy and rules.
        let connection = try PostgresConnection(settings.database ?? environment["DATABASE_URL"] ?? "")
        defer { connection.close() }
        do {
            try Migrator(connection: connection).apply()
        } catch let error as PostgresError where error.sqlState == "42501" {
            // A role granted connect_audit_ingest may not migrate: the owner runs `migrate`
            // after upgrades; an ingest against an older schema fails on its own.
            FileHandle.standardError.write(Data("nightly: not migrating (this role may not: \(error.message)); run `connect-audit migrate` as the schema's owner after upgrades\n".utf8))
        }
        let ingestor = Ingestor(connection: connection)
        guard let capturedAt = try PulledFile.capturedAt(of: pulled) else { throw CLIError("\(pulled) has no pull record") }
        var request = IngestRequest(
            snapshot: .unread, source: pulled, format: pulledFormat.rawValue, capturedAt: capturedAt, scope: nil, rules: rules, policy: policy)
        request.sourceWarnings = try Ingest.pullWarnings([pulled])
        let (snapshot, outcome) = try SnapshotIngest.run([pulled], format: pulledFormat, countIsComplete: false, request: request, ingestor: ingestor)
        ProcessLifetime.keepUntilExit((snapshot, outcome))
        let snapshotID: Int64
        switch outcome {
        case .ingested(let id, _), .alreadyIngested(let id, _): snapshotID = id
        case .dryRun: throw CLIError("internal: a nightly ingest is never a dry run")
        }

        // 2b. The users, against the profiles just ingested.
        var userLine = ""
        var userCapturedAt: Instant?
        if let usersPulled {
            do {
                guard let at = try PulledFile.capturedAt(of: usersPulled.path) else { throw CLIError("\(usersPulled.path) has no pull record") }
                let (count, outcome) = try UserIngest.run(
                    file: usersPulled.path, capturedAt: at, scope: nil, maxDeleteFraction: 0.5, dryRun: false,
                    rules: rules, policy: policy, connection: UserIngestor(connection: connection))
                userCapturedAt = at
                metrics.users = count
                userLine = "; " + UserIngest.text(source: "users", users: count, outcome: outcome).dropFirst("users: ".count)
            } catch {
                userProblems.append("the users' ingest failed, no user snapshot taken: \(error)")
            }
        }

        // 3. Reports of this snapshot's changes (and of the users whose access moved with
        // it or with the users' snapshot), in the run's own folder.
        let events = try HistoryQueries(connection: connection).reportEvents(snapshot: snapshotID)
        var report = DriftReport(
            title: "nightly \(day): snapshot #\(snapshotID) captured \(capturedAt.minuteText)", generatedAt: .now,
            rows: events.rows, discovered: events.discoveries)
        report.firstObservations = events.firstObservations
        let moments = [capturedAt] + (userCapturedAt.map { [$0] } ?? [])
        if let first = moments.min(), let last = moments.max()?.adding(microseconds: 1) {
            report.userChanges = UserAccessChange.grouped(
                try HistoryQueries(connection: connection).userAccessChanges(from: first, to: last), catalog: policy.catalog)
        }
        let folder = settings.reportsDir + "/\(run)"
        // Not withIntermediateDirectories: it fails if the folder exists (never reused).
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for format in settings.formats {
            let ext = format == .markdown ? "md" : format == .text ? "txt" : format.rawValue
            try Data(try ReportRenderer.render(report, as: format).utf8).write(to: URL(fileURLWithPath: folder + "/report.\(ext)"), options: .atomic)
        }

        // 4. Alerts.
        var alertLine = "no alert rules"
        if let rules, let rulesFile = settings.rules {
            let totals = try Alerts.Deliver.deliverPending(connection: connection, rules: rules, rulesFile: rulesFile, maxWait: 60, maxAttempts: 8)
            alertLine = totals.line
            (metrics.alertsDelivered, metrics.alertsFailed) = (totals.delivered, totals.failed)
        }
        metrics.changes = Dictionary(report.countsBySeverity.map { ($0.0, $0.1) }) { first, _ in first }
        let counts = report.countsBySeverity.filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
        let repeated = if case .alreadyIngested = outcome { " (already ingested: nothing new)" } else { "" }
        print("nightly \(day): pulled \(pulledRows) profiles; snapshot #\(snapshotID)\(repeated): \(report.itemCount) change(s)"
            + (counts.isEmpty ? "" : " (\(counts))") + userLine + "; reports in \(folder); alerts: \(alertLine)")
        for problem in userProblems { FileHandle.standardError.write(Data("nightly: \(problem)\n".utf8)) }
        // Everything else is done: an account left out fails the run, so cron mails it.
        if !unreadAccounts.isEmpty {
            for unread in unreadAccounts {
                FileHandle.standardError.write(Data("nightly: account \(unread.account) was not read: \(unread.reason); nothing of it was deleted\n".utf8))
            }
            throw ExitCode(1)
        }
        if !userProblems.isEmpty { throw ExitCode(1) }
        if let failOn = settings.failOn, report.hasItem(atLeast: failOn) { throw ExitCode(3) }
    }
}

extension Nightly {
    /// A run's name: its start in UTC to the second, `2026-11-20T02-00-05Z` (no colon, for
    /// every file system), with `-2`, `-3`, ... when an earlier run's files took it (runs
    /// never overlap: the lock), so a run never replaces another's evidence.
    static func runName(_ started: Instant, free: (String) -> Bool) -> String {
        let base = String(started.iso8601.prefix(19)).replacingOccurrences(of: ":", with: "-") + "Z"
        var name = base
        var number = 1
        while !free(name) {
            number += 1
            name = "\(base)-\(number)"
        }
        return name
    }
}

/// An exclusive lock on a file (`flock`), held while a nightly run lasts; released by the
/// kernel if the process dies.
final class NightlyLock {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT, 0o640)
        guard descriptor >= 0 else { throw CLIError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw CLIError("another nightly run holds \(path); two runs never overlap (wait for it, or check it is stuck)")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension Nightly {
    /// A file the run pulled, and what it holds.
    struct Pulled {
        var path: String
        var format: SnapshotFormat
        var rows: Int
        var unreadAccounts: [AWSPuller.UnreadAccount] = []
    }

    /// Pulls the profiles or the users from the configured source into the run's file.
    private func pull(_ subject: AWSPuller.Subject, settings: NightlyConfig, environment: [String: String], run: String) throws -> Pulled {
        let prefix = settings.pulls + "/\(run)" + (subject == .users ? ".users" : "")
        switch settings.source {
        case .ddsql(let endpoint, let pageSize):
            guard let apiKey = environment["DD_API_KEY"], !apiKey.isEmpty, let appKey = environment["DD_APP_KEY"], !appKey.isEmpty else {
                throw CLIError("set DD_API_KEY and DD_APP_KEY in the environment for the ddsql source")
            }
            let base = try PullEndpoint.url(
                endpoint, name: "source.ddsql.endpoint", default: DDSQLPuller.endpoint(site: environment["DD_SITE"] ?? "datadoghq.com"),
                problem: "DD_SITE is not a site name")
            var puller = DDSQLPuller(endpoint: base, apiKey: apiKey, applicationKey: appKey)
            puller.table = subject == .users ? .users : .securityProfiles
            puller.pageSize = pageSize
            puller.backoff.base = retryBase
            puller.validate = subject == .users ? PullEndpoint.userIngestCheck : PullEndpoint.ingestCheck(.ndjson)
            let path = prefix + ".ndjson"
            return Pulled(path: path, format: .ndjson, rows: try puller.pull(to: path).rows)
        case .aws(var aws):
            aws.subject = subject
            var puller = try aws.puller(environment: environment, retryBase: retryBase, http: HTTPClient(timeout: 60))
            let what = subject == .users ? "instances' users" : "profiles"
            puller.progress = { done, total in if done % 100 == 0 || done == total { Progress.say("read \(done) of \(total) \(what)") } }
            let path = prefix + ".aws.jsonl"
            let summary = try puller.pull(to: path)
            for line in AWSPullSettings.summaryLines(summary, out: path).dropFirst() { Progress.say(line) }
            return Pulled(path: path, format: .aws, rows: summary.rows, unreadAccounts: summary.unreadAccounts)
        }
    }
}

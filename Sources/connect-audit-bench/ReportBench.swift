import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading
import Synchronization

/// Builds a year of nightly history (N profiles, about 1% changing each night) through the
/// real ingest, then times `connect-audit report` over several windows.
struct ReportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Time reports over a year of nightly history.")

    @Option(help: "Profiles.") var profiles = 10_000
    @Option(help: "Nights of history.") var nights = 365
    @Option(name: .customLong("database-url"), help: "An empty, migrated database.") var databaseURL: String
    @Option(help: "The connect-audit binary (release build).") var binary: String
    @Flag(name: .customLong("reuse-history"), help: "Time the reports over the history an earlier run built in this database.")
    var reuseHistory = false

    func run() throws {
        let connection = try PostgresConnection(databaseURL)
        defer { connection.close() }
        let ingestor = Ingestor(connection: connection)
        var mix = NightlyMix(count: profiles, seed: 365)
        let start = Instant(parsing: "2025-11-28T02:00:00Z")!
        let building = ContinuousClock.now
        for night in 0..<nights {
            if night > 0 { mix.advance(night: night) }
            // Reused: the nights replayed only to check the history against the last one.
            guard !reuseHistory else { continue }
            // What a nightly ingest does: the open versions first, the files read against them.
            let state = try ingestor.openState()
            let capturedAt = Instant(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(night) * 86_400_000_000)
            _ = try ingestor.ingest(
                IngestRequest(
                    snapshot: mix.snapshot(night: night, against: state.versions), source: "night-\(night)", format: "csv",
                    capturedAt: capturedAt, scope: .all, maxDeleteFraction: 1),
                state: state)
            if (night + 1) % 30 == 0 {
                FileHandle.standardError.write(Data("night \(night + 1) of \(nights) after \(ContinuousClock.now - building)\n".utf8))
            }
        }
        // The shortcut of `NightlyMix.snapshot` proved: the history's open versions are the
        // last night's profiles, row digest for row digest (key, time, content).
        let last = mix.profiles.enumerated().map { ParsedRecord(profile: $1, file: "last night", line: $0 + 1) }
        let wanted = SnapshotHashing.digests(of: last[...]).map(\.row).sorted()
        guard try ingestor.openState().versions.all.map(\.rowDigest).sorted() == wanted else {
            throw ValidationError("the history's open versions are not the last night's profiles")
        }
        let events = try connection.query("SELECT count(*) FROM connect_audit.change_events")[0].decode(Int.self, at: 0)
        let snapshots = try connection.query("SELECT count(*) FROM connect_audit.snapshots")[0].decode(Int.self, at: 0)
        guard snapshots == nights else {
            throw ValidationError("the history has \(snapshots) snapshots, not \(nights) nights: run without REUSE_HISTORY to build it")
        }
        if reuseHistory {
            print("history: \(nights) nights of \(profiles) profiles, \(events) events, built by an earlier run")
        } else {
            print("history: \(nights) nights of \(profiles) profiles, \(events) events, built in \(ContinuousClock.now - building)")
            // The history as people read it: after autovacuum has passed over the nights just
            // written (otherwise it does so while the reports are timed, and they measure it).
            try connection.execute("VACUUM ANALYZE")
        }
        let end = Instant(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(nights) * 86_400_000_000)
        let windows: [(String, [String])] = [
            ("last night, text", ["--from", iso(end, minusDays: 1), "--to", end.iso8601]),
            ("last 30 days, json", ["--from", iso(end, minusDays: 30), "--to", end.iso8601, "--format", "json"]),
            ("whole year, json", ["--from", start.iso8601, "--to", end.iso8601, "--format", "json"]),
            ("whole year, html", ["--from", start.iso8601, "--to", end.iso8601, "--format", "html"]),
            ("whole year, text", ["--from", start.iso8601, "--to", end.iso8601]),
            ("whole year, markdown", ["--from", start.iso8601, "--to", end.iso8601, "--format", "markdown"]),
            ("whole year, high and above, text", ["--from", start.iso8601, "--to", end.iso8601, "--min-severity", "high"]),
        ]
        for (name, arguments) in windows {
            var best = Double.infinity
            var lines = 0
            for _ in 0..<3 {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["report", "--database-url", databaseURL] + arguments
                // Into a pipe read by `wc -l`, as `report | jq` or `| gzip` reads it: neither
                // this process (which read 2 GB into memory through a pipe, on a core beside
                // the report) nor a disk (slow and uneven beside PostgreSQL's writes) in the figure.
                let pipe = Pipe()
                let counted = Pipe()
                let counter = Process()
                counter.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                counter.arguments = ["wc", "-l"]
                counter.standardInput = pipe
                counter.standardOutput = counted
                process.standardOutput = pipe
                // Timed to the exit's notice: `waitUntilExit` polls, in steps of 50 ms here.
                let exited = DispatchSemaphore(value: 0)
                let ended = Mutex<ContinuousClock.Instant?>(nil)
                process.terminationHandler = { _ in
                    ended.withLock { $0 = ContinuousClock.now }
                    exited.signal()
                }
                try counter.run()
                let began = ContinuousClock.now
                try process.run()
                exited.wait()
                process.waitUntilExit()
                let elapsed = ended.withLock { $0! } - began
                let count = String(decoding: counted.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                counter.waitUntilExit()
                guard process.terminationStatus == 0 else { throw ValidationError("report \(name) exited \(process.terminationStatus)") }
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                lines = Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            }
            print(String(format: "report %@: %.3f s (best of 3), %d output lines", name, best, lines))
        }
    }

    private func iso(_ instant: Instant, minusDays days: Int64) -> String {
        Instant(microsecondsSinceEpoch: instant.microsecondsSinceEpoch - days * 86_400_000_000).iso8601
    }
}

import ArgumentParser
import AuditCLI
import AuditCore
import AuditModel
import Foundation
import SnapshotReading
import TestSupport

/// Benchmarks that print figures (never timed tests). Run on a release build, through
/// the scripts in `scripts/bench-*`.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-audit-bench",
        abstract: "Generate benchmark snapshots and measure connect-audit's readers.",
        subcommands: [Generate.self, Read.self, IngestBench.self, UsersBench.self, ReportBench.self, SampleWeek.self, SampleUsers.self])
}

/// Writes a synthetic snapshot of N profiles in one format.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a synthetic snapshot.")

    @Option(help: "How many profiles.") var profiles = 100_000
    @OptionGroup var shape: ShapeOptions
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Argument(help: "Output file.") var output: String

    func run() throws {
        let (format, shape) = try self.shape.parsed()
        let bytes = SnapshotRenderer.render(SyntheticProfiles.generate(count: profiles, seed: seed), as: format, shape: shape)
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        print("wrote \(profiles) profiles, \(bytes.count) bytes, to \(output)")
    }
}

/// The shape of a generated export: its format and how it spells tags, times and columns.
struct ShapeOptions: ParsableArguments {
    @Option(help: "ndjson, json, csv, aws (pull aws's lines) or ddsql (the DDSQL API's column-major page).") var format = "ndjson"
    @Option(help: "Tag sets as list (k:v strings), object ({\"k\":\"v\"}) or hstore (\"k\"=>\"v\") (csv, ndjson, json).") var tags = "list"
    @Option(help: "all (every record field: permissions, applications) or ddsql (the DDSQL table's 14 columns) (csv, ndjson, json).")
    var columns = "all"
    @Option(help: "last_modified_time as iso text or epoch (seconds, as JSON numbers and CSV digits are read) (csv, ndjson, json).")
    var timestamps = "iso"

    func parsed() throws -> (SnapshotFormat, SnapshotRenderer.Shape) {
        guard let format = SnapshotFormat(rawValue: format) else { throw ValidationError("unknown format \(format)") }
        guard let tags = SnapshotRenderer.Shape.Tags(rawValue: tags) else { throw ValidationError("--tags is list, object or hstore") }
        guard let timestamps = SnapshotRenderer.Shape.Timestamps(rawValue: timestamps) else { throw ValidationError("--timestamps is iso or epoch") }
        guard ["all", "ddsql"].contains(columns) else { throw ValidationError("--columns is all or ddsql") }
        return (format, SnapshotRenderer.Shape(
            tags: tags, timestamps: timestamps, columns: columns == "all" ? ProfileField.allCases : ProfileField.ddsqlColumns))
    }
}

/// Reads a snapshot the way `ingest` does and prints rows per second and peak memory.
struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read a snapshot and print rows/s and peak memory.")

    @Option(help: "Runs; the best is reported.") var runs = 3
    @Argument(help: "Snapshot file.") var file: String

    func run() throws {
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
        var best = Double.infinity
        var rows = 0
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let records = try SnapshotFiles.readRecords([file], format: nil)
            let elapsed = start.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rows = records.count
            best = min(best, seconds)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peak = Int(usage.ru_maxrss) * 1024
        let line = String(
            format: "%@: %d rows in %.3f s = %.0f rows/s; file %.1f MiB, peak RSS %.1f MiB (%.2fx the file)",
            file, rows, best, Double(rows) / best, Double(size) / 1_048_576, Double(peak) / 1_048_576, Double(peak) / Double(max(size, 1)))
        print(line)
    }
}

import ArgumentParser
import AuditCore
import AuditModel
import Foundation
import SnapshotReading
import TestSupport

/// Ingests N profiles over K nights with the real binary, and times `psql \copy` of the
/// same file night by night: a CSV into a logged table with as many text columns, an
/// NDJSON or `aws` file line by line into one text column.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Time nightly ingests against psql \\copy of the same snapshot.")

    @Option(help: "Profiles on the first night.") var profiles = 100_000
    @Option(help: "Nights.") var nights = 3
    @Option(help: "Share of profiles changing each night.") var changeRate = 0.01
    @Option(name: .customLong("database-url"), help: "An empty, migrated database.") var databaseURL: String
    @Option(help: "The connect-audit binary (release build).") var binary: String
    @Option(help: "Where snapshot files go.") var folder = "bench-data"
    @OptionGroup var shape: ShapeOptions

    func run() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var mix = NightlyMix(count: profiles, seed: 42, changeRate: changeRate)
        let (format, shape) = try self.shape.parsed()
        let columns = format == .csv ? shape.columns.count : 1
        try Measure.checked(["psql", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c",
                        "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (" + (1...columns).map { "c\($0) text" }.joined(separator: ", ") + ")"])
        // A line a row: CSV whose quote and delimiter never occur in JSON text.
        let copyOptions = format == .csv ? "FORMAT csv, HEADER true" : "FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02'"
        print("night  rows     ingest_s  copy_s  ratio  rows/s    peak_MiB  events")
        var ratios: [Double] = []
        var peakKiB = 0
        for night in 1...nights {
            if night > 1 { mix.advance(night: night) }
            let file = "\(folder)/night-\(night)-\(profiles).\(format.rawValue)"
            try Data(SnapshotRenderer.render(mix.profiles, as: format, shape: shape)).write(to: URL(fileURLWithPath: file))
            let ingest = try Measure.run([
                binary, "ingest", "--database-url", databaseURL, "--output", "json",
                "--captured-at", String(format: "2026-11-%02dT02:00:00Z", night), file,
            ])
            try Measure.checked(["psql", "-q", databaseURL, "-c", "TRUNCATE bench_copy"])
            let copy = try Measure.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c", "\\copy bench_copy FROM '\(file)' WITH (\(copyOptions))"])
            let events = Self.eventCount(ingest.stdout)
            ratios.append(ingest.seconds / copy.seconds)
            peakKiB = max(peakKiB, ingest.peakKiB)
            print(String(
                format: "%5d  %7d  %8.3f  %6.3f  %5.2f  %8.0f  %8.1f  %d",
                night, mix.profiles.count, ingest.seconds, copy.seconds, ingest.seconds / copy.seconds,
                Double(mix.profiles.count) / ingest.seconds, Double(ingest.peakKiB) / 1024, events))
        }
        // The figures the performance goals name: same-run ratios, the nightly median.
        let nightly = ratios.dropFirst().sorted()
        let median = nightly.isEmpty ? Double.nan
            : nightly.count % 2 == 1 ? nightly[nightly.count / 2] : (nightly[nightly.count / 2 - 1] + nightly[nightly.count / 2]) / 2
        print(String(
            format: "first ingest / copy: %.2f; nightly median / copy: %.2f over %d night(s); peak RSS of any ingest: %.1f MiB",
            ratios.first ?? .nan, median, nightly.count, Double(peakKiB) / 1024))
    }

    private static func eventCount(_ json: String) -> Int {
        guard let reports = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]],
              let counts = reports.first?["counts"] as? [String: Int] else { return -1 }
        return counts.filter { $0.key != "unchanged" }.values.reduce(0, +)
    }
}

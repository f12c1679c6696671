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
        try runChecked(["psql", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c",
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
            let ingest = try measure([
                binary, "ingest", "--database-url", databaseURL, "--output", "json",
                "--captured-at", String(format: "2026-11-%02dT02:00:00Z", night), file,
            ])
            try runChecked(["psql", "-q", databaseURL, "-c", "TRUNCATE bench_copy"])
            let copy = try measure(["psql", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c", "\\copy bench_copy FROM '\(file)' WITH (\(copyOptions))"])
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

    private func runChecked(_ arguments: [String]) throws {
        let result = try measure(arguments)
        guard result.status == 0 else { throw ValidationError("\(arguments[0]) failed: \(result.stderr)") }
    }

    /// Runs a command to its end: wall seconds, its own peak RSS (wait4), its output.
    private func measure(_ arguments: [String]) throws -> (seconds: Double, peakKiB: Int, status: Int32, stdout: String, stderr: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).out")
        let err = out.appendingPathExtension("err")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw ValidationError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
        // The child's own peak RSS: `wait4`'s `ru_maxrss` would not do, because the kernel
        // counts the memory of this (large) process the child shared before its exec. The
        // kernel keeps the peak of the child's own memory as VmHWM; read it until the child
        // exits (every 5 ms: exiting frees, it does not grow).
        var status: Int32 = 0
        var peakKiB = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            peakKiB = max(peakKiB, Self.highWaterKiB(of: pid) ?? 0)
            usleep(5_000)
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        if exit != 0 { FileHandle.standardError.write(Data("\(arguments[0]) exited \(exit): \(stderr)\n".utf8)) }
        return (seconds, peakKiB, exit, stdout, stderr)
    }

    /// VmHWM of a running process, in KiB (`nil` once it has exited).
    private static func highWaterKiB(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}

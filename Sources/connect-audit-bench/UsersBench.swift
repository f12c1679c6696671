import ArgumentParser
import AuditModel
import Foundation
import SnapshotReading
import TestSupport

/// Users over profiles: ingests P profiles once, then N users of them night by night with
/// the real binary, each night timed against `psql \copy` of the same file (a line a row
/// into one text column, as for NDJSON profiles); then times `access_as_of` for one
/// permission.
///
/// The users are DDSQL `aws.connect_user` rows as NDJSON, with the personal fields an
/// export carries (`identity_info`, `phone_config`), each holding one to three profiles of
/// its instance; each night about `changeRate` of them are reassigned, a few leave and as
/// many arrive.
struct UsersBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Time nightly user ingests against psql \\copy, and access_as_of for one permission.")

    @Option(help: "Users.") var users = 100_000
    @Option(help: "Profiles they hold.") var profiles = 10_000
    @Option(help: "Nights of users.") var nights = 4
    @Option(help: "Share of users reassigned each night.") var changeRate = 0.01
    @Option(help: "Runs of the as-of query (the median is printed).") var queries = 5
    @Option(name: .customLong("database-url"), help: "An empty, migrated database.") var databaseURL: String
    @Option(help: "The connect-audit binary (release build).") var binary: String
    @Option(help: "Where snapshot files go.") var folder = "bench-data"

    func run() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let catalog = SyntheticProfiles.generate(count: profiles, seed: 42)
        let profileFile = "\(folder)/users-bench-profiles-\(profiles).ndjson"
        try Data(SnapshotRenderer.render(catalog, as: .ndjson)).write(to: URL(fileURLWithPath: profileFile))
        try Measure.checked([binary, "ingest", "--database-url", databaseURL, "--captured-at", "2026-11-01T01:00:00Z", profileFile])
        try Measure.checked(["psql", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c", "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (c1 text)"])

        var random = SeededRandom(seed: 35)
        let byInstance = Dictionary(grouping: catalog, by: \.scopeInstance).mapValues { $0.compactMap(\.id) }
        let instances = byInstance.keys.sorted()
        func assignment(_ instance: String) -> [String] {
            let ids = byInstance[instance] ?? []
            return Array(Set((0..<Int.random(in: 1...3, using: &random)).map { _ in ids.randomElement(using: &random)! })).sorted()
        }
        var population: [(name: String, instance: String, profiles: [String])] = (0..<users).map { index in
            let instance = instances[index % instances.count]
            return ("agent\(index)", instance, assignment(instance))
        }
        var next = users

        print("night  users    ingest_s  copy_s  ratio  peak_MiB  events")
        var ratios: [Double] = []
        for night in 1...nights {
            if night > 1 {
                for _ in 0..<Int(Double(users) * changeRate) {
                    let index = Int.random(in: 0..<population.count, using: &random)
                    population[index].profiles = assignment(population[index].instance)
                }
                for _ in 0..<max(1, users / 1_000) {
                    let index = Int.random(in: 0..<population.count, using: &random)
                    let instance = instances[next % instances.count]
                    population[index] = ("agent\(next)", instance, assignment(instance))
                    next += 1
                }
            }
            let file = "\(folder)/users-night-\(night)-\(users).ndjson"
            try Self.render(population).write(to: URL(fileURLWithPath: file))
            let ingest = try Measure.run([
                binary, "ingest", "--database-url", databaseURL, "--output", "json",
                "--captured-at", String(format: "2026-11-%02dT02:00:00Z", night), file,
            ])
            guard ingest.status == 0 else { throw ValidationError("ingest failed: \(ingest.stderr)") }
            try Measure.checked(["psql", "-q", databaseURL, "-c", "TRUNCATE bench_copy"])
            let copy = try Measure.run([
                "psql", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c",
                "\\copy bench_copy FROM '\(file)' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')",
            ])
            ratios.append(ingest.seconds / copy.seconds)
            let counts = ((try? JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [[String: Any]])?.first?["counts"] as? [String: Int]) ?? [:]
            print(String(
                format: "%5d  %7d  %8.3f  %6.3f  %5.2f  %8.1f  %d", night, population.count, ingest.seconds, copy.seconds,
                ingest.seconds / copy.seconds, Double(ingest.peakKiB) / 1024, counts.filter { $0.key != "unchanged" }.values.reduce(0, +)))
        }
        let nightly = ratios.dropFirst().sorted()
        let median = nightly.isEmpty ? Double.nan : nightly[nightly.count / 2]
        print(String(format: "first user ingest / copy: %.2f; nightly median / copy: %.2f over %d night(s)", ratios.first ?? .nan, median, nightly.count))

        // The as-of query for one permission, in both forms a user would write, timed by the
        // server (planning and execution).
        let permission = "SecurityProfiles.Edit"
        for (form, query) in [
            ("access_as_of(now(), '\(permission)')", "SELECT user_key, username, via_profile_key FROM connect_audit.access_as_of(now(), '\(permission)')"),
            ("access_as_of(now()) WHERE permission = '\(permission)'",
             "SELECT user_key, username, via_profile_key FROM connect_audit.access_as_of(now()) WHERE permission = '\(permission)'"),
        ] {
            var times: [Double] = []
            for _ in 0..<queries {
                let explained = try Measure.run(["psql", "-qAt", databaseURL, "-c", "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) " + query])
                let milliseconds = explained.stdout.split(separator: "\n").compactMap { line -> Double? in
                    guard line.hasPrefix("Planning Time:") || line.hasPrefix("Execution Time:") else { return nil }
                    return Double(line.split(separator: " ")[safe: 2] ?? "")
                }
                times.append(milliseconds.count == 2 ? milliseconds.reduce(0, +) : .nan)
            }
            let rows = try Measure.run(["psql", "-qAt", databaseURL, "-c", "SELECT count(*) FROM (\(query)) AS q"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            print(String(format: "%@: median %.1f ms over %d runs (%@ rows)", form, times.sorted()[times.count / 2], queries, rows))
        }
    }

    /// The users as DDSQL NDJSON rows, personal fields included (the ingest drops them).
    static func render(_ users: [(name: String, instance: String, profiles: [String])]) throws -> Data {
        var out = Data()
        for user in users {
            let arn = "arn:aws:connect:eu-west-1:123456789012:instance/\(user.instance)/agent/\(user.name)"
            let row: [String: Any] = [
                "_key": arn, "account_id": "123456789012", "arn": arn, "id": user.name, "username": user.name,
                "security_profile_ids": user.profiles, "routing_profile_id": "routing-1", "hierarchy_group_id": NSNull(),
                "directory_user_id": "d-\(user.name)",
                "identity_info": ["first_name": "Agent", "last_name": user.name, "email": "\(user.name)@example.com"],
                "phone_config": ["phone_type": "SOFT_PHONE", "auto_accept": false, "after_contact_work_time_limit": 0],
            ]
            out.append(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes]))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

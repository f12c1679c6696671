import Foundation
import TestSupport

/// A throwaway database holding what `scripts/demo` builds: the sample week, ingested
/// night by night, and Monday's baseline.
enum DemoDatabase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `body` on a fresh copy of the demo database, built once per test process.
    static func withDemo(_ body: (String) throws -> Void) throws {
        let template = try TemplateDatabases.shared.template("demo") { conninfo in
            try build(conninfo)
        }
        try TestDatabase.withDatabase(template: template, body)
    }

    /// Migrates, ingests the sample week night by night under the example policy, with its
    /// users and CloudTrail records (as `scripts/demo` does), and approves Monday's baseline.
    private static func build(_ conninfo: String) throws {
        do {
            let migrate = try CommandRunner.run(["migrate", "--database-url", conninfo])
            guard migrate.status == 0 else { throw TestSetupError("migrate failed: \(migrate.stderr)") }
            let samples = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("samples").path).sorted()
            guard samples.count == 7 else { throw TestSetupError("samples/ should hold a week, found \(samples)") }
            for file in samples {
                let night = String(file.prefix(10))
                let ingest = try CommandRunner.run([
                    "ingest", "--database-url", conninfo, "--captured-at", "\(night)T02:00:00Z",
                    "--policy", root.appendingPathComponent("examples/policy.yaml").path,
                    root.appendingPathComponent("samples/\(file)").path,
                ])
                guard ingest.status == 0 else { throw TestSetupError("ingest \(file) failed: \(ingest.stderr)") }
                // The night's users, half an hour later.
                let users = try CommandRunner.run([
                    "ingest", "--database-url", conninfo, "--captured-at", "\(night)T02:30:00Z",
                    root.appendingPathComponent("examples/users/\(night).users.ndjson").path,
                ])
                guard users.status == 0 else { throw TestSetupError("ingest of \(night)'s users failed: \(users.stderr)") }
            }
            let trail = try CommandRunner.run([
                "trail", "ingest", "--database-url", conninfo, root.appendingPathComponent("examples/sample-week-cloudtrail.json").path,
                root.appendingPathComponent("examples/users/cloudtrail.json").path,
            ])
            guard trail.status == 0 else { throw TestSetupError("trail ingest failed: \(trail.stderr)") }
            let baseline = try CommandRunner.run([
                "baseline", "approve", "monday-review", "--at", "2026-11-16T12:00:00Z", "--database-url", conninfo,
            ])
            guard baseline.status == 0 else { throw TestSetupError("baseline failed: \(baseline.stderr)") }
        }
    }
}

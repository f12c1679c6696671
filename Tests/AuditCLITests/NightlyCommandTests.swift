import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("nightly: pull, ingest, report, alert from one configuration file")
struct NightlyCommandTests {
    static let script = "Tests/SnapshotSourcesTests/Fixtures/ddsql_server.py"

    @Test("end to end against the DDSQL stand-in; killed mid-run and run again, it finishes without duplicates")
    func endToEnd() throws {
        try withFolder { folder in
            try TestDatabase.withDatabase { db in
                let rules = folder.appendingPathComponent("alerts.yaml").path
                try "channels:\n  out: {type: stdout, digest_over: 100}\nrules:\n  - {name: widened, drift: [widened], channels: [out]}\n"
                    .write(toFile: rules, atomically: true, encoding: .utf8)
                let keys = ["DD_API_KEY": "nightly-api", "DD_APP_KEY": "nightly-app", "TEST_NIGHTLY_DB": db]
                func configure(_ server: StandInServer) throws -> String {
                    let path = folder.appendingPathComponent("nightly.yaml").path
                    try """
                        database: ${TEST_NIGHTLY_DB}
                        source:
                          ddsql: {endpoint: "\(server.base)", page_size: 100}
                        rules: alerts.yaml
                        pulls: nights
                        reports: {dir: reports, formats: [html, json, markdown]}
                        fail_on: high
                        """.write(toFile: path, atomically: true, encoding: .utf8)
                    return path
                }
                func counts() throws -> [Int64] {
                    let connection = try PostgresConnection(db)
                    defer { connection.close() }
                    return try ["snapshots", "change_events", "alert_outbox", "user_snapshots"].map { table in
                        try connection.query("SELECT count(*) FROM connect_audit.\(table)").first?.decode(Int64.self, at: 0) ?? -1
                    }
                }
                let behaviour: [String: Any] = ["rows": 300, "users": 40, "api_key": "nightly-api", "app_key": "nightly-app"]
                // Night 1: the first load: 300 discovered, nothing to alert, exit 0.
                try StandInServer.with(script: Self.script, behaviour: behaviour) { server in
                    let config = try configure(server)
                    let first = try CommandRunner.run(["nightly", "--config", config, "--retry-base", "0.01"], environment: keys)
                    #expect(first.status == 0, "\(first.stderr)")
                    #expect(first.stdout.contains("pulled 300 profiles; snapshot #1: 0 change(s); 40 users, user snapshot #1: 0 created, 40 discovered"), "\(first.stdout)")
                    for name in ["report.html", "report.json", "report.md"] {
                        let day = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("reports").path).first { !$0.hasPrefix(".") })
                        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("reports/\(day)/\(name)").path), "\(name)")
                    }
                    #expect(try counts() == [1, 300, 0, 1])
                }
                // Night 2: 30 profiles lost a restriction. Killed before its commit, then run again.
                try StandInServer.with(script: Self.script, behaviour: behaviour.merging(["edit_every": 10]) { $1 }) { server in
                    let config = try configure(server)
                    let killed = try CommandRunner.run(
                        ["nightly", "--config", config, "--retry-base", "0.01"],
                        environment: keys.merging(["CONNECT_AUDIT_FAULT_POINT": "before-commit"]) { $1 })
                    #expect(killed.status != 0 && killed.status != 3)
                    #expect(try counts() == [1, 300, 0, 1], "a killed run leaves nothing half done")
                    let again = try CommandRunner.run(["nightly", "--config", config, "--retry-base", "0.01"], environment: keys)
                    #expect(again.status == 3, "30 widened/high changes meet fail_on: high\n\(again.stderr)")
                    #expect(again.stdout.contains(": 30 change(s) (30 high)"), "\(again.stdout)")
                    #expect(again.stdout.contains("alerts: delivered 30"), "\(again.stdout)")
                    // The users did not move: their export is the first night's, nothing written.
                    #expect(again.stdout.contains("40 users, the same as user snapshot #1"), "\(again.stdout)")
                    #expect(try counts() == [2, 330, 30, 1])
                    // The report says of each widened profile how many users held it; no one's
                    // permissions moved (a restriction lifted is not a permission), so no person
                    // is listed as having gained one.
                    let reportsFolder = folder.appendingPathComponent("reports")
                    let latest = try #require(try FileManager.default.contentsOfDirectory(atPath: reportsFolder.path).filter { !$0.hasPrefix(".") }.sorted().last)
                    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: reportsFolder.appendingPathComponent("\(latest)/report.json"))) as? [String: Any]
                    let items = json?["events"] as? [[String: Any]] ?? []
                    #expect(items.count == 30 && items.allSatisfy { $0["holders"] is Int })
                    let held = items.compactMap { $0["holders"] as? Int }.reduce(0, +)
                    let people = json?["user_changes"] as? [[String: Any]] ?? []
                    #expect(held > 0)
                    #expect(json?["user_changes"] != nil && people.isEmpty, "\(people.prefix(2))")
                    // Once more: the same night is already ingested; no event or alert twice.
                    let third = try CommandRunner.run(["nightly", "--config", config, "--retry-base", "0.01"], environment: keys)
                    #expect(third.stdout.contains("already ingested"), "\(third.stdout)")
                    #expect(third.stdout.contains("alerts: delivered 0"), "\(third.stdout)")
                    #expect(try counts() == [2, 330, 30, 1])
                    // Every run kept its own evidence: four pulls of each (the killed one's too), three report folders.
                    let pulls = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("nights").path)
                    #expect(pulls.filter { $0.hasSuffix(".ndjson") && !$0.hasSuffix(".users.ndjson") }.count == 4, "\(pulls)")
                    #expect(pulls.filter { $0.hasSuffix(".users.ndjson") }.count == 4, "\(pulls)")
                    #expect(pulls.filter { $0.hasSuffix(".pull.json") }.count == 8, "\(pulls)")
                    let reports = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("reports").path)
                    #expect(reports.filter { !$0.hasPrefix(".") }.count == 3, "\(reports)")
                }
                // A broken configuration names its line.
                let broken = folder.appendingPathComponent("broken.yaml").path
                try "source:\n  ddsql: {}\nreports: {dir: r}\ndatabase: ${NOT_SET_ANYWHERE_42}\n".write(toFile: broken, atomically: true, encoding: .utf8)
                let refused = try CommandRunner.run(["nightly", "--config", broken], environment: keys)
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("broken.yaml:4: environment variable NOT_SET_ANYWHERE_42 is not set"), "\(refused.stderr)")
            }
        }
    }

    @Test("the aws source: pulled from the Connect stand-in, ingested as AWS output and recorded so")
    func awsSource() throws {
        try withFolder { folder in
            try TestDatabase.withDatabase { db in
                let keys = [
                    "AWS_ACCESS_KEY_ID": "AKIDSTANDIN", "AWS_SECRET_ACCESS_KEY": "stand-in/secret+key",
                    "AWS_EC2_METADATA_DISABLED": "true", "TEST_NIGHTLY_DB": db,
                ]
                let behaviour: [String: Any] = [
                    "access_key": "AKIDSTANDIN", "secret": "stand-in/secret+key", "regions": ["eu-west-1"], "instances": 1, "profiles": 12, "users": 7,
                ]
                try StandInServer.with(script: "Tests/SnapshotSourcesTests/Fixtures/connect_server.py", behaviour: behaviour) { server in
                    let config = folder.appendingPathComponent("nightly.yaml").path
                    try """
                        database: ${TEST_NIGHTLY_DB}
                        source:
                          aws: {regions: [eu-west-1], endpoint_url: "\(server.base)", rate_per_api: 0}
                        pulls: nights
                        reports: {dir: reports, formats: [json]}
                        """.write(toFile: config, atomically: true, encoding: .utf8)
                    let run = try CommandRunner.run(["nightly", "--config", config, "--retry-base", "0.01"], environment: keys)
                    #expect(run.status == 0, "\(run.stderr)")
                    #expect(run.stdout.contains("pulled 12 profiles; snapshot #1: 0 change(s); 7 users, user snapshot #1"), "\(run.stdout)")
                    let connection = try PostgresConnection(db)
                    defer { connection.close() }
                    let recorded = try connection.query("SELECT format, count(*) FROM connect_audit.snapshots s JOIN connect_audit.profile_versions v ON v.snapshot_id = s.id GROUP BY format")
                    #expect(recorded.count == 1)
                    #expect(try recorded.first?.decode(String.self, at: 0) == "aws")
                    #expect(try recorded.first?.decode(Int64.self, at: 1) == 12)
                }
            }
        }
    }

    /// The metrics file as prometheus_client's text-format parser reads it: sample name and
    /// labels (`name{label=value}`) → value.
    static func parsedMetrics(_ path: String) throws -> [String: Double] {
        let json = try VendorPython.run("""
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                assert family.type == "gauge", family
                for s in family.samples:
                    labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
                    samples[s.name + ("{%s}" % labels if labels else "")] = s.value
            print(json.dumps(samples))
            """, [path])
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Double] ?? [:]
    }

    @Test("metrics_file and metrics_datadog: each run, good or failed, replaces a Prometheus text file prometheus_client parses and sends a series datadog-api-client's models accept; a failure keeps the last success")
    func metricsFile() throws {
        let datadog = try StandInServer(
            script: "Tests/AuditCLITests/Fixtures/datadog_server.py", behaviour: #"{"api_key": "m-api", "app_key": "m-app"}"#,
            python: VendorPython.interpreter)
        defer { datadog.stop() }
        /// The series the stand-in accepted, by run: metric name and tags → value.
        func sent() throws -> [[String: Double]] {
            try datadog.requests().map { request in
                #expect(request["status"] as? Int == 202, "\(request["reason"] ?? "")")
                let body = try JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any]
                var values: [String: Double] = [:]
                for series in body?["series"] as? [[String: Any]] ?? [] {
                    let tags = (series["tags"] as? [String] ?? []).filter { !["source:connect-audit", "env:test"].contains($0) }
                    let key = (series["metric"] as? String ?? "") + (tags.isEmpty ? "" : "{" + tags.joined(separator: ",") + "}")
                    values[key] = ((series["points"] as? [[String: Any]])?.first?["value"] as? NSNumber)?.doubleValue
                    #expect((series["tags"] as? [String])?.contains("env:test") == true)
                }
                return values
            }
        }
        try withFolder { folder in
            try TestDatabase.withDatabase { db in
                let metrics = folder.appendingPathComponent("textfile/connect_audit.prom").path
                try FileManager.default.createDirectory(atPath: folder.appendingPathComponent("textfile").path, withIntermediateDirectories: true)
                let keys = ["DD_API_KEY": "m-api", "DD_APP_KEY": "m-app", "TEST_NIGHTLY_DB": db]
                func night(_ behaviour: [String: Any]) throws -> CommandRunner.Outcome {
                    try StandInServer.with(script: Self.script, behaviour: behaviour) { server in
                        let config = folder.appendingPathComponent("nightly.yaml").path
                        try """
                            database: ${TEST_NIGHTLY_DB}
                            source:
                              ddsql: {endpoint: "\(server.base)"}
                            pulls: nights
                            reports: {dir: reports, formats: [json]}
                            metrics_file: textfile/connect_audit.prom
                            metrics_datadog: {url: "\(datadog.base)", tags: ["env:test"]}
                            """.write(toFile: config, atomically: true, encoding: .utf8)
                        return try CommandRunner.run(["nightly", "--config", config, "--retry-base", "0.01"], environment: keys)
                    }
                }
                let first = try night(["rows": 50, "users": 12, "api_key": "m-api", "app_key": "m-app"])
                #expect(first.status == 0, "\(first.stderr)")
                let good = try Self.parsedMetrics(metrics)
                #expect(good["connect_audit_nightly_success"] == 1)
                #expect(good["connect_audit_nightly_profiles"] == 50 && good["connect_audit_nightly_users"] == 12)
                #expect(good["connect_audit_nightly_changes{severity=critical}"] == 0 && good["connect_audit_nightly_changes{severity=info}"] == 0)
                let lastRun = try #require(good["connect_audit_nightly_last_run_timestamp_seconds"])
                #expect(good["connect_audit_nightly_last_success_timestamp_seconds"] == lastRun)
                #expect(abs(lastRun - Date().timeIntervalSince1970) < 120)
                #expect((good["connect_audit_nightly_duration_seconds"] ?? -1) >= 0)
                let firstSeries = try #require(try sent().first)
                #expect(firstSeries["connect_audit.nightly.success"] == 1 && firstSeries["connect_audit.nightly.profiles"] == 50)
                #expect(firstSeries["connect_audit.nightly.changes{severity:critical}"] == 0)
                #expect(firstSeries["connect_audit.nightly.last_success_timestamp_seconds"] == firstSeries["connect_audit.nightly.last_run_timestamp_seconds"])
                // A night whose pull is refused: the run fails, and says so; the last success stays.
                Thread.sleep(forTimeInterval: 1.1)
                let failed = try night(["rows": 50, "users": 12, "api_key": "other", "app_key": "other"])
                #expect(failed.status == 1)
                let bad = try Self.parsedMetrics(metrics)
                #expect(bad["connect_audit_nightly_success"] == 0)
                #expect(bad["connect_audit_nightly_last_success_timestamp_seconds"] == lastRun)
                #expect((bad["connect_audit_nightly_last_run_timestamp_seconds"] ?? 0) > lastRun)
                #expect(bad["connect_audit_nightly_profiles"] == nil, "nothing pulled tonight")
                let series = try sent()
                #expect(series.count == 2 && series[1]["connect_audit.nightly.success"] == 0)
                #expect(!failed.stderr.contains("m-api"))
                // Only the file itself is left in the collector's folder: no half-written file.
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("textfile").path) == ["connect_audit.prom"])
            }
        }
    }

    @Test("every file of the configuration is checked before the pull: a bad policy fails at once, the source hears nothing")
    func filesCheckedBeforeThePull() throws {
        try withFolder { folder in
            let policy = folder.appendingPathComponent("policy.yaml").path
            try "permissions:\n  administrativ: [X]\n".write(toFile: policy, atomically: true, encoding: .utf8)
            try StandInServer.with(script: Self.script, behaviour: ["rows": 3, "api_key": "k", "app_key": "a"]) { (server: StandInServer) throws(any Error) in
                let config = folder.appendingPathComponent("nightly.yaml").path
                try """
                    database: postgresql://nobody@/nowhere?host=/nonexistent
                    source:
                      ddsql: {endpoint: "\(server.base)"}
                    policy: policy.yaml
                    pulls: nights
                    reports: {dir: reports, formats: [json]}
                    """.write(toFile: config, atomically: true, encoding: .utf8)
                let run = try CommandRunner.run(["nightly", "--config", config], environment: ["DD_API_KEY": "k", "DD_APP_KEY": "a"])
                #expect(run.status == 1)
                #expect(run.stderr.contains("policy.yaml:2"), "\(run.stderr)")
                #expect(try server.requests().isEmpty)
            }
        }
    }
}

import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("pull ddsql, then ingest, through the binary")
struct PullCommandTests {
    static let script = "Tests/SnapshotSourcesTests/Fixtures/ddsql_server.py"

    @Test("a pulled file ingests to exactly the table's profiles, captured when the pull started; secrets never printed")
    func pullThenIngest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pull-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try StandInServer(
            script: Self.script,
            behaviour: #"{"rows": 2500, "api_key": "k-api-3f9", "app_key": "k-app-7c1", "running_polls": 1, "fail_429": 1, "fail_500": 1}"#)
        defer { server.stop() }
        let out = folder.appendingPathComponent("night.ndjson").path
        let keys = ["DD_API_KEY": "k-api-3f9", "DD_APP_KEY": "k-app-7c1"]
        let pull = try CommandRunner.run(
            ["pull", "ddsql", "--out", out, "--endpoint", server.base, "--page-size", "1000", "--retry-base", "0.01"], environment: keys)
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(pull.stdout.contains("pulled 2500 profiles"))
        for secret in keys.values { #expect(!pull.stdout.contains(secret) && !pull.stderr.contains(secret)) }
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".pull.json"))) as? [String: Any]
        let startedAt = try #require(record?["started_at"] as? String)
        #expect(!(try String(contentsOfFile: out + ".pull.json", encoding: .utf8)).contains("k-api"))

        try Self.ingestedAlone(out) { db, connection, profiles in
            #expect(profiles == 2500)
            let captured = try connection.query("SELECT to_char(captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM connect_audit.snapshots").first?.decode(String.self, at: 0)
            #expect(captured == startedAt)
            // Edited after the pull: the record no longer vouches for the file.
            try (try String(contentsOfFile: out, encoding: .utf8) + "\n").write(toFile: out, atomically: true, encoding: .utf8)
            let edited = try CommandRunner.run(["ingest", "--database-url", db, out])
            #expect(edited.status == 1)
            #expect(edited.stderr.contains("changed after the pull"))
        }

        let wrong = try CommandRunner.run(
            ["pull", "ddsql", "--out", folder.appendingPathComponent("wrong.ndjson").path, "--endpoint", server.base],
            environment: ["DD_API_KEY": "k-wrong-api-5d2", "DD_APP_KEY": "k-wrong-app-9e4"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("HTTP 403"))
        #expect(!wrong.stderr.contains("k-wrong"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("wrong.ndjson").path))

        let clear = try CommandRunner.run(["pull", "ddsql", "--out", out, "--endpoint", "http://api.datadoghq.com"], environment: keys)
        #expect(clear.status == 1)
        #expect(clear.stderr.contains("must use https"))
        let missing = try CommandRunner.run(["pull", "ddsql", "--out", out, "--endpoint", server.base], environment: ["DD_API_KEY": "", "DD_APP_KEY": ""])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("set DD_API_KEY and DD_APP_KEY"))
    }

    @Test("pull aws over three regions with a shared credentials profile, then ingest: exactly the profiles served")
    func pullAWSThenIngest() throws {
        try Self.withConnectStandIn(#"{"access_key": "AKIDCLI", "secret": "cli/secret+value", "token": "cli-session", "regions": ["eu-west-1", "us-east-1", "ap-southeast-2"], "instances": 2, "profiles": 170, "page_cap": 7, "throttle_every": 17"#) { folder, served, server in
            let credentials = folder.appendingPathComponent("credentials").path
            try "[audit]\naws_access_key_id = AKIDCLI\naws_secret_access_key = cli/secret+value\naws_session_token = cli-session\n"
                .write(toFile: credentials, atomically: true, encoding: .utf8)
            let environment = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_PROFILE": "audit", "AWS_EC2_METADATA_DISABLED": "true",
                               "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "HOME": folder.path]
            let out = folder.appendingPathComponent("night.aws.jsonl").path
            let pull = try CommandRunner.run(
                ["pull", "aws", "--region", "eu-west-1", "--region", "us-east-1", "--region", "ap-southeast-2", "--out", out,
                 "--endpoint-url", server.base, "--rate-per-api", "0", "--concurrency", "4", "--retry-base", "0.005"],
                environment: environment)
            #expect(pull.status == 0, "\(pull.stderr)")
            #expect(pull.stdout.contains("pulled 1020 profiles of 6 instance(s) in 3 region(s)"))
            for secret in ["cli/secret+value", "cli-session"] { #expect(!pull.stdout.contains(secret) && !pull.stderr.contains(secret)) }
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                let ingest = try CommandRunner.run(["ingest", "--database-url", db, out])
                #expect(ingest.status == 0, "\(ingest.stderr)")
                // The same profiles, field for field: the served dump is the same snapshot content.
                let check = try CommandRunner.run(["ingest", "--database-url", db, "--format", "aws", "--dry-run", served])
                #expect(check.status == 0, "\(check.stderr)")
                #expect(check.stdout.contains("already ingested as snapshot #1"), "\(check.stdout)")
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                #expect(try connection.query("SELECT count(*) FROM connect_audit.current_profiles").first?.decode(Int64.self, at: 0) == 1020)
                #expect(try connection.query("SELECT count(*) FROM connect_audit.current_profiles WHERE cardinality(permissions) > 7").first?.decode(Int64.self, at: 0) ?? 0 > 0)
                #expect(try connection.query("SELECT count(*) FROM connect_audit.current_profiles WHERE cardinality(applications) > 0").first?.decode(Int64.self, at: 0) ?? 0 > 0)
            }
        }
    }

    @Test("pull aws of more than 10,000 profiles (past the readers' batch) ingests every one")
    func pullAWSPastABatchIngests() throws {
        try Self.withConnectStandIn(#"{"access_key": "AKIDBIG", "secret": "big/secret", "regions": ["eu-west-1", "us-east-1"], "instances": 1, "profiles": 5010, "page_cap": 1000"#) { folder, served, server in
            let environment = ["AWS_ACCESS_KEY_ID": "AKIDBIG", "AWS_SECRET_ACCESS_KEY": "big/secret", "AWS_SESSION_TOKEN": "",
                               "AWS_EC2_METADATA_DISABLED": "true", "HOME": folder.path]
            let out = folder.appendingPathComponent("night.aws.jsonl").path
            let pull = try CommandRunner.run(
                ["pull", "aws", "--region", "eu-west-1", "--region", "us-east-1", "--out", out,
                 "--endpoint-url", server.base, "--rate-per-api", "0", "--concurrency", "8"],
                environment: environment)
            #expect(pull.status == 0, "\(pull.stderr)")
            #expect(pull.stdout.contains("pulled 10020 profiles"), "\(pull.stdout)")
            try Self.ingestedAlone(out) { db, _, profiles in
                #expect(profiles == 10020)
                // Field for field what the stand-in served, its permissions among them.
                let check = try CommandRunner.run(["ingest", "--database-url", db, "--format", "aws", "--dry-run", served])
                #expect(check.stdout.contains("already ingested as snapshot #1"), "\(check.stdout) \(check.stderr)")
            }
        }
    }

    @Test("pull ddsql --table aws.connect_user and pull aws --users, then ingest: user snapshots of exactly the users served")
    func pullUsersThenIngest() throws {
        try Self.withConnectStandIn(#"{"access_key": "AKIDUSR", "secret": "usr/secret", "regions": ["eu-west-1"], "instances": 2, "profiles": 5, "users": 30, "page_cap": 4"#) { folder, served, server in
            let environment = ["AWS_ACCESS_KEY_ID": "AKIDUSR", "AWS_SECRET_ACCESS_KEY": "usr/secret", "AWS_SESSION_TOKEN": "",
                               "AWS_EC2_METADATA_DISABLED": "true", "HOME": folder.path]
            let profiles = folder.appendingPathComponent("profiles.aws.jsonl").path, users = folder.appendingPathComponent("users.aws.jsonl").path
            for (out, extra) in [(profiles, [String]()), (users, ["--users"])] {
                let pull = try CommandRunner.run(
                    ["pull", "aws", "--region", "eu-west-1", "--out", out, "--endpoint-url", server.base, "--rate-per-api", "0"] + extra,
                    environment: environment)
                #expect(pull.status == 0, "\(pull.stderr)")
            }
            let ddsql = try StandInServer(script: Self.script, behaviour: #"{"rows": 20, "users": 120, "api_key": "k-a", "app_key": "k-b"}"#)
            defer { ddsql.stop() }
            let ddsqlUsers = folder.appendingPathComponent("users.ndjson").path
            let pulled = try CommandRunner.run(
                ["pull", "ddsql", "--table", "aws.connect_user", "--out", ddsqlUsers, "--endpoint", ddsql.base], environment: ["DD_API_KEY": "k-a", "DD_APP_KEY": "k-b"])
            #expect(pulled.status == 0, "\(pulled.stderr)")
            #expect(pulled.stdout.contains("pulled 120 users"), "\(pulled.stdout)")
            let unknown = try CommandRunner.run(
                ["pull", "ddsql", "--table", "aws.connect_contact", "--out", ddsqlUsers, "--endpoint", ddsql.base], environment: ["DD_API_KEY": "k-a", "DD_APP_KEY": "k-b"])
            #expect(unknown.status != 0 && unknown.stderr.contains("aws.connect_user"))
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                for file in [profiles, users, ddsqlUsers] {
                    let ingest = try CommandRunner.run(["ingest", "--database-url", db, "--output", "json", file])
                    #expect(ingest.status == 0, "\(ingest.stderr)")
                }
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                // Two user snapshots, of different instances: the API's 60 users and DDSQL's 120.
                let counts = try connection.query("SELECT user_count FROM connect_audit.user_snapshots ORDER BY id").map { try $0.decode(Int64.self, at: 0) }
                #expect(counts == [60, 120])
                // The API's users hold the API's profiles: access_as_of lists every one of them.
                let holders = try connection.query("""
                    SELECT count(DISTINCT user_key) FROM connect_audit.access_as_of(now()) WHERE user_key LIKE 'arn:aws:connect:eu-west-1:111122223333:%'
                    """)[0].decode(Int64.self, at: 0)
                #expect(holders == 60)
                #expect(try connection.query("SELECT count(*) FROM connect_audit.user_versions WHERE username IS NULL")[0].decode(Int64.self, at: 0) == 0)
            }
        }
    }

    /// Ingests `file` with the built binary into a new, migrated database, then hands
    /// `body` the database, a connection to it and how many current profiles it holds.
    static func ingestedAlone(_ file: String, _ body: (String, PostgresConnection, Int64?) throws -> Void) throws {
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let ingest = try CommandRunner.run(["ingest", "--database-url", db, file])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            let profiles = try connection.query("SELECT count(*) FROM connect_audit.current_profiles").first?.decode(Int64.self, at: 0)
            try body(db, connection, profiles)
        }
    }

    /// Runs `body` with a folder of its own, the path the Connect stand-in dumps what it
    /// serves to, and the stand-in started with `behaviour` (a JSON object without its `}`).
    static func withConnectStandIn(_ behaviour: String, _ body: (URL, String, StandInServer) throws -> Void) throws {
        try withFolder { folder in
            let served = folder.appendingPathComponent("served.jsonl").path
            let server = try StandInServer(
                script: "Tests/SnapshotSourcesTests/Fixtures/connect_server.py", behaviour: behaviour + #", "dump": "\#(served)"}"#)
            defer { server.stop() }
            try body(folder, served, server)
        }
    }
}

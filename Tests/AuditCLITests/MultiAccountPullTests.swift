import Foundation
import PostgresClient
import SnapshotReading
import SnapshotSources
import Testing
import TestSupport

/// `pull aws --account ... --role-name ...` and the nightly job's `accounts:` against the
/// Connect stand-in, which serves STS too, maps each assumed role's credentials to its
/// account's profiles, and checks every signature.
@Suite("every account of an organisation in one pull")
struct MultiAccountPullTests {
    static let script = "Tests/SnapshotSourcesTests/Fixtures/connect_server.py"
    static let accounts = ["111122223333", "222233334444", "333344445555"]
    static let regions = ["eu-west-1", "us-east-1"]
    static let base = ["AWS_ACCESS_KEY_ID": "AKIDSECURITY", "AWS_SECRET_ACCESS_KEY": "security/secret+key"]

    static func behaviour(_ extra: [String: Any]) -> [String: Any] {
        ["access_key": "AKIDSECURITY", "secret": "security/secret+key", "regions": regions, "instances": 1, "accounts": accounts]
            .merging(extra) { _, new in new }
    }

    /// An environment with nothing of this machine's AWS set-up in it, STS at the stand-in.
    static func environment(_ server: StandInServer, _ folder: URL, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "HOME": folder.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_STS": server.base, "AWS_PROFILE": "",
            "AWS_CONFIG_FILE": folder.appendingPathComponent("config").path,
            "AWS_SHARED_CREDENTIALS_FILE": folder.appendingPathComponent("credentials").path,
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
        ].merging(extra) { _, new in new }
    }

    static func accountArguments(_ accounts: [String] = accounts) -> [String] {
        accounts.flatMap { ["--account", $0] } + ["--role-name", "ConnectAuditor"] + regions.flatMap { ["--region", $0] }
    }

    /// Ingests `pulled` and checks the history holds exactly the served profiles (the
    /// stand-in's dump), field for field.
    static func expectIngestedExactly(_ pulled: String, served: String) throws {
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let ingest = try CommandRunner.run(["ingest", "--database-url", db, pulled])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let check = try CommandRunner.run(["ingest", "--database-url", db, "--format", "aws", "--dry-run", served])
            #expect(check.stdout.contains("already ingested as snapshot #1"), "\(check.stdout) \(check.stderr)")
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            let perAccount = try connection.query("""
                SELECT account_id, count(*) FROM connect_audit.profile_versions WHERE valid_to IS NULL GROUP BY account_id ORDER BY 1
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(Int64.self, at: 1)) }
            #expect(perAccount.map(\.0) == accounts && perAccount.allSatisfy { $0.1 == 600 }, "\(perAccount)")
        }
    }

    @Test("three accounts x two regions, 300 profiles each, through --account and --role-name: every profile ingested, no secret printed")
    func accountsByRoleName() throws {
        try withFolder { folder in
            let dump = folder.appendingPathComponent("served.jsonl").path
            try StandInServer.with(script: Self.script, behaviour: Self.behaviour(["profiles": 300, "page_cap": 50, "dump": dump])) { server in
                let out = folder.appendingPathComponent("org.aws.jsonl").path
                let pull = try CommandRunner.run(
                    ["pull", "aws", "--out", out, "--endpoint-url", server.base, "--rate-per-api", "0", "--retry-base", "0.005"] + Self.accountArguments(),
                    environment: Self.environment(server, folder, Self.base))
                #expect(pull.status == 0, "\(pull.stderr)")
                #expect(pull.stdout.contains("pulled 1800 profiles of 6 instance(s) in 2 region(s)"), "\(pull.stdout)")
                for account in Self.accounts {
                    for region in Self.regions { #expect(pull.stdout.contains("account \(account) \(region): "), "\(pull.stdout)") }
                }
                // Each account's requests were signed with its own assumed role's keys.
                let requests = try server.requests()
                #expect(requests.filter { $0["operation"] as? String == "AssumeRole" }.count == 3)
                #expect(Set(requests.compactMap { $0["account"] as? String }) == Set(Self.accounts))
                let secrets = ["security/secret+key", "issued/secret/", "issued-token-"]
                for secret in secrets { #expect(!pull.stdout.contains(secret) && !pull.stderr.contains(secret)) }
                try Self.expectIngestedExactly(out, served: dump)
            }
        }
    }

    @Test("the same through a shared config: a role_arn/source_profile profile is the base identity the accounts' roles are assumed from")
    func accountsThroughSharedConfig() throws {
        try withFolder { folder in
            let dump = folder.appendingPathComponent("served.jsonl").path
            let behaviour = Self.behaviour(["profiles": 300, "page_cap": 50, "dump": dump, "accounts": Self.accounts + ["999988887777"]])
            try StandInServer.with(script: Self.script, behaviour: behaviour) { server in
                try "[profile security]\nrole_arn = arn:aws:iam::999988887777:role/Security\nsource_profile = keys\nregion = eu-west-1\n"
                    .write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
                try "[keys]\naws_access_key_id = AKIDSECURITY\naws_secret_access_key = security/secret+key\n"
                    .write(to: folder.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
                let out = folder.appendingPathComponent("org.aws.jsonl").path
                let pull = try CommandRunner.run(
                    ["pull", "aws", "--profile", "security", "--out", out, "--endpoint-url", server.base, "--rate-per-api", "0", "--retry-base", "0.005"]
                        + Self.accountArguments(),
                    environment: Self.environment(server, folder))
                #expect(pull.status == 0, "\(pull.stderr)")
                // One AssumeRole for the security role (signed by the static keys), one per account (signed by its answer).
                let assumed = try server.requests().filter { $0["operation"] as? String == "AssumeRole" }
                #expect(assumed.count == 4 && assumed.allSatisfy { $0["status"] as? Int == 200 })
                #expect(assumed.filter { $0["account"] as? String == "999988887777" }.count == 3)
                // The dump holds the security account's own profiles too, which nobody asked for: compare per account.
                let wanted = try String(contentsOfFile: dump, encoding: .utf8).split(separator: "\n").filter { !$0.contains(":999988887777:") }
                let filtered = folder.appendingPathComponent("served-accounts.jsonl").path
                try (wanted.joined(separator: "\n") + "\n").write(toFile: filtered, atomically: true, encoding: .utf8)
                try Self.expectIngestedExactly(out, served: filtered)
            }
        }
    }

    @Test("an account whose role is denied: the others ingested, nothing of it deleted, the failure named everywhere, nightly exit 1")
    func deniedAccount() throws {
        try withFolder { folder in
            try TestDatabase.withDatabase { db in
                let config = folder.appendingPathComponent("nightly.yaml").path
                func night(_ behaviour: [String: Any]) throws -> CommandRunner.Outcome {
                    try StandInServer.with(script: Self.script, behaviour: Self.behaviour(behaviour)) { server in
                        try """
                            database: ${TEST_NIGHTLY_DB}
                            source:
                              aws: {regions: [eu-west-1, us-east-1], endpoint_url: "\(server.base)", rate_per_api: 0,
                                    accounts: [\(Self.accounts.joined(separator: ", "))], role_name: ConnectAuditor}
                            pulls: nights
                            reports: {dir: reports, formats: [json]}
                            """.write(toFile: config, atomically: true, encoding: .utf8)
                        return try CommandRunner.run(
                            ["nightly", "--config", config, "--retry-base", "0.01"],
                            environment: Self.environment(server, folder, Self.base.merging(["TEST_NIGHTLY_DB": db]) { $1 }))
                    }
                }
                let first = try night(["profiles": 20, "users": 5])
                #expect(first.status == 0, "\(first.stderr)")
                let second = try night(["profiles": 20, "users": 5, "deny": ["222233334444"]])
                #expect(second.status == 1, "\(second.stdout) \(second.stderr)")
                #expect(second.stderr.contains("account 222233334444 was not read") && second.stderr.contains("AccessDenied"), "\(second.stderr)")
                #expect(second.stdout.contains("pulled 80 profiles"), "\(second.stdout)")
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                // Nothing deleted: every profile of the denied account is still open, and no event touched it.
                let open = try connection.query("""
                    SELECT count(*) FILTER (WHERE account_id = '222233334444'), count(*) FROM connect_audit.profile_versions WHERE valid_to IS NULL
                    """)[0]
                #expect(try open.decode(Int64.self, at: 0) == 40 && open.decode(Int64.self, at: 1) == 120)
                let deleted = try connection.query("SELECT count(*) FROM connect_audit.change_events WHERE kind = 'deleted'")[0]
                #expect(try deleted.decode(Int64.self, at: 0) == 0)
                // Nor of its users: its instances are absent from the users' snapshot, so out of its scope.
                let users = try connection.query("""
                    SELECT count(*) FILTER (WHERE account_id = '222233334444'), count(*),
                           (SELECT count(*) FROM connect_audit.user_events WHERE kind = 'deleted'),
                           (SELECT count(*) FROM connect_audit.user_snapshots)
                    FROM connect_audit.user_versions WHERE valid_to IS NULL
                    """)[0]
                #expect(try users.decode(Int64.self, at: 0) == 10 && users.decode(Int64.self, at: 1) == 30)
                #expect(try users.decode(Int64.self, at: 2) == 0 && users.decode(Int64.self, at: 3) == 2)
                let warnings = try connection.query("""
                    SELECT detail FROM connect_audit.snapshot_warnings WHERE snapshot_id = 2 AND kind = 'account_unread'
                    """).map { try $0.decode(String.self, at: 0) }
                #expect(warnings.count == 1 && warnings.first?.contains("222233334444") == true, "\(warnings)")
                // The pull record names it.
                let nights = folder.appendingPathComponent("nights")
                let records = try FileManager.default.contentsOfDirectory(atPath: nights.path).filter { $0.hasSuffix(".pull.json") }.sorted()
                let last = try String(contentsOf: nights.appendingPathComponent(records.last ?? ""), encoding: .utf8)
                #expect(last.contains("\"unread_accounts\"") && last.contains("222233334444"), "\(last)")
                for secret in ["security/secret+key", "issued/secret/", "issued-token-"] {
                    #expect(!second.stdout.contains(secret) && !second.stderr.contains(secret) && !last.contains(secret))
                }
            }
        }
    }

    @Test("against per-(account, region, API) quotas of 2/s, burst 5: under 2% of calls throttled, accounts and regions read side by side")
    func quotas() throws {
        try withFolder { folder in
            let behaviour = Self.behaviour(["profiles": 12, "accounts": Array(Self.accounts.prefix(2)), "quota": ["rate": 2, "burst": 5]])
            try StandInServer.with(script: Self.script, behaviour: behaviour) { server in
                let out = folder.appendingPathComponent("org.aws.jsonl").path
                let pull = try CommandRunner.run(
                    ["pull", "aws", "--out", out, "--endpoint-url", server.base] + Self.accountArguments(Array(Self.accounts.prefix(2))),
                    environment: Self.environment(server, folder, Self.base))
                #expect(pull.status == 0, "\(pull.stderr)")
                let calls = try server.requests().filter { $0["operation"] as? String != "AssumeRole" }
                let throttled = calls.filter { $0["status"] as? Int == 429 }.count
                #expect(calls.count >= 4 * 38 && Double(throttled) < 0.02 * Double(calls.count), "\(throttled) of \(calls.count)")
                // Side by side: every (account, region) had begun describing before any had finished.
                let describes = calls.filter { $0["operation"] as? String == "DescribeSecurityProfile" }
                var first: [String: Double] = [:]
                var last: [String: Double] = [:]
                for call in describes {
                    let scope = "\(call["account"] ?? "")|\(call["region"] ?? "")"
                    let time = call["time"] as? Double ?? 0
                    first[scope] = min(first[scope] ?? time, time)
                    last[scope] = max(last[scope] ?? time, time)
                }
                #expect(first.count == 4 && (first.values.max() ?? 0) < (last.values.min() ?? 0), "\(first) \(last)")
            }
        }
    }
}

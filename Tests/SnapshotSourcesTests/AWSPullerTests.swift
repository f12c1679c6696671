import AuditModel
import Foundation
import SnapshotReading
import SnapshotSources
import Testing
import TestSupport

/// Runs the Connect stand-in with `behaviour` (plus its keys, unless given).
func withConnectServer<T>(_ behaviour: [String: Any], _ body: (StandInServer) throws -> T) throws -> T {
    let keys: [String: Any] = ["access_key": "AKIDSTANDIN", "secret": "stand-in/secret+key"]
    return try StandInServer.with(
        script: "Tests/SnapshotSourcesTests/Fixtures/connect_server.py", behaviour: keys.merging(behaviour) { _, given in given }, body)
}

@Suite("pull aws against a local stand-in of the Amazon Connect API that checks every signature")
struct AWSPullerTests {
    static let regions = ["eu-west-1", "us-east-1", "ap-southeast-2"]

    func puller(_ server: StandInServer, environment: [String: String], profile: String? = nil) throws -> AWSPuller {
        var puller = AWSPuller(regions: Self.regions, credentials: try RefreshingCredentials(chain: AWSCredentialChain(environment: environment, profile: profile)))
        puller.endpointOverride = URL(string: server.base)
        puller.quota = RequestQuota(perSecond: 0, burst: 5)
        puller.concurrency = 4
        puller.backoff = Backoff(attempts: 8, base: 0.005, cap: 0.02)
        return puller
    }

    static let keys = ["AWS_ACCESS_KEY_ID": "AKIDSTANDIN", "AWS_SECRET_ACCESS_KEY": "stand-in/secret+key", "AWS_EC2_METADATA_DISABLED": "true"]

    @Test("1,020 profiles over three regions, small pages and throttling: exactly the profiles served, every page gathered")
    func threeRegions() throws {
        try withFolder { folder in
            let dump = folder.appendingPathComponent("served.jsonl").path
            try withConnectServer(["regions": Self.regions, "instances": 2, "profiles": 170, "page_cap": 7, "throttle_every": 13, "dump": dump]) { server in
                let out = folder.appendingPathComponent("night.aws.jsonl").path
                let summary = try puller(server, environment: Self.keys).pull(to: out)
                #expect(summary.rows == 1_020)
                #expect(summary.instances == 6)
                #expect(summary.retries > 0)
                let pulled = try SnapshotAssembler.snapshot([(out, Array(try Data(contentsOf: URL(fileURLWithPath: out))))], format: .aws)
                let served = try SnapshotAssembler.snapshot([(dump, Array(try Data(contentsOf: URL(fileURLWithPath: dump))))], format: .aws)
                #expect(pulled.count == 1_020)
                let expected = Dictionary(uniqueKeysWithValues: served.records.map { ($0.profile.key, $0.profile) })
                var mismatched: [String] = []
                for record in pulled.records where expected[record.profile.key] != record.profile { mismatched.append(record.profile.key) }
                #expect(mismatched.isEmpty, "\(mismatched.prefix(3))")
                // Paging was exercised: some profile has more permissions than one page holds, some applications.
                #expect(pulled.records.contains { $0.profile.permissions.count > 7 })
                #expect(pulled.records.contains { $0.profile.applications.count == 3 })
                #expect(pulled.records.allSatisfy { $0.profile.unobserved.isEmpty })
                // The failed instance was skipped, and no request was refused for its signature.
                let requests = try server.requests()
                #expect(!requests.contains { ($0["path"] as? String)?.contains("/failed") == true })
                #expect(requests.allSatisfy { $0["status"] as? Int != 403 })
                #expect(Set(requests.compactMap { $0["region"] as? String }) == Set(Self.regions))
            }
        }
    }

    @Test("users over three regions, small pages and throttling: exactly the users served, their access fields only, no personal data written")
    func usersOverRegions() throws {
        try withFolder { folder in
            let dump = folder.appendingPathComponent("users.jsonl").path
            try withConnectServer(["regions": Self.regions, "instances": 2, "profiles": 6, "users": 45, "page_cap": 7, "throttle_every": 11, "dump_users": dump]) { server in
                let out = folder.appendingPathComponent("users.aws.jsonl").path
                var users = try puller(server, environment: Self.keys)
                users.subject = .users
                let summary = try users.pull(to: out)
                #expect(summary.rows == 270 && summary.instances == 6 && summary.subject == .users)
                #expect(summary.retries > 0)
                let written = try String(contentsOfFile: out, encoding: .utf8)
                let pulled = try UserExport.read(Array(written.utf8), file: out)
                let served = try UserExport.read(Array(try String(contentsOfFile: dump, encoding: .utf8).utf8), file: dump)
                #expect(pulled.map(\.user) == served.map(\.user).sorted { $0.arn ?? "" < $1.arn ?? "" })
                #expect(pulled.contains { $0.user.securityProfileIDs.count == 2 } && pulled.contains { $0.user.hierarchyGroupID != nil })
                // Served with names, phone numbers and directory ids; none of it reaches the file.
                for personal in ["IdentityInfo", "PhoneConfig", "DirectoryUserId", "+4420700", "No. 1", "Tags"] {
                    #expect(!written.contains(personal), "\(personal)")
                }
                // Every SearchUsers page was signed over its body, and followed.
                let requests = try server.requests()
                let searches = requests.filter { $0["operation"] as? String == "SearchUsers" }
                #expect(searches.count >= 6 * 7 && searches.allSatisfy { $0["status"] as? Int != 403 })
                #expect(!requests.contains { ($0["operation"] as? String)?.hasPrefix("DescribeSecurityProfile") == true })
            }
        }
    }

    @Test("credentials from a shared credentials file and profile, with a session token, sign every call")
    func sharedFileProfile() throws {
        try withFolder { folder in
            let credentials = folder.appendingPathComponent("credentials").path
            try "[auditor]\naws_access_key_id = AKIDSTANDIN\naws_secret_access_key = stand-in/secret+key\naws_session_token = session-xyz\n"
                .write(toFile: credentials, atomically: true, encoding: .utf8)
            try withConnectServer(["regions": ["eu-west-1"], "instances": 1, "profiles": 12, "page_cap": 5, "token": "session-xyz"]) { server in
                let environment = ["HOME": folder.path, "AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_PROFILE": "auditor", "AWS_EC2_METADATA_DISABLED": "true"]
                var regional = try puller(server, environment: environment)
                regional.regions = ["eu-west-1"]
                let summary = try regional.pull(to: folder.appendingPathComponent("night.jsonl").path)
                #expect(summary.rows == 12)
                // Without the token the stand-in refuses: it is really checked.
                var tokenless = try puller(server, environment: Self.keys)
                tokenless.regions = ["eu-west-1"]
                #expect(throws: PullError.self) { try tokenless.pull(to: folder.appendingPathComponent("other.jsonl").path) }
            }
        }
    }

    @Test("a wrong secret fails with the service's message, writes no file, never shows the secret")
    func wrongSecret() throws {
        try withFolder { folder in
            try withConnectServer(["regions": ["eu-west-1"], "instances": 1, "profiles": 3]) { server in
                let wrong = ["AWS_ACCESS_KEY_ID": "AKIDSTANDIN", "AWS_SECRET_ACCESS_KEY": "not-the-secret-42", "AWS_EC2_METADATA_DISABLED": "true"]
                var regional = try puller(server, environment: wrong)
                regional.regions = ["eu-west-1"]
                do {
                    _ = try regional.pull(to: folder.appendingPathComponent("night.jsonl").path)
                    Issue.record("pulled with a wrong secret")
                } catch let error as PullError {
                    #expect(error.description.contains("InvalidSignatureException"))
                    #expect(error.description.contains("signature we calculated does not match"))
                    #expect(!error.description.contains("not-the-secret-42"))
                }
                #expect(try server.requests().count == 1, "a signature error is not retried")
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            }
        }
    }

    @Test("the real AWS CLI, pointed at the stand-in, is accepted with the right secret and refused with a wrong one")
    func awsCLIAgreesWithTheStandIn() throws {
        try withConnectServer(["regions": ["eu-west-1"], "instances": 1, "profiles": 5, "users": 3, "page_cap": 2]) { server in
            let instances = try Self.aws(["connect", "list-instances"], endpoint: server.base, secret: "stand-in/secret+key")
            #expect(instances.status == 0, "\(instances.err)")
            let listed = try JSONSerialization.jsonObject(with: Data(instances.out.utf8)) as? [String: Any]
            let id = try #require(((listed?["InstanceSummaryList"] as? [[String: Any]])?.first)?["Id"] as? String)
            // The CLI follows NextToken through pages of two with its own paginator.
            let profiles = try Self.aws(["connect", "list-security-profiles", "--instance-id", id], endpoint: server.base, secret: "stand-in/secret+key")
            #expect(profiles.status == 0, "\(profiles.err)")
            let summaries = (try JSONSerialization.jsonObject(with: Data(profiles.out.utf8)) as? [String: Any])?["SecurityProfileSummaryList"] as? [Any]
            #expect(summaries?.count == 5)
            // SearchUsers: the CLI's own POST, body and paginator, accepted as the puller's is.
            let users = try Self.aws(["connect", "search-users", "--instance-id", id], endpoint: server.base, secret: "stand-in/secret+key")
            #expect(users.status == 0, "\(users.err)")
            let found = (try JSONSerialization.jsonObject(with: Data(users.out.utf8)) as? [String: Any])?["Users"] as? [[String: Any]]
            #expect(found?.count == 3 && found?.allSatisfy { ($0["SecurityProfileIds"] as? [String])?.isEmpty == false } == true)
            let refused = try Self.aws(["connect", "list-instances"], endpoint: server.base, secret: "wrong")
            #expect(refused.status != 0)
            #expect(refused.err.contains("InvalidSignatureException"))
        }
    }

    @Test("the real AWS CLI: sts assume-role, and connect list-security-profiles through a role_arn profile, accepted by the stand-in's STS")
    func awsCLIAssumesRolesFromTheStandIn() throws {
        try withFolder { folder in
            try withConnectServer(["accounts": ["111122223333", "222233334444"], "deny": ["222233334444"], "regions": ["eu-west-1"], "instances": 1, "profiles": 4]) { server in
                let assumed = try Self.aws(
                    ["sts", "assume-role", "--role-arn", "arn:aws:iam::111122223333:role/ConnectAuditor", "--role-session-name", "check"],
                    endpoint: server.base, secret: "stand-in/secret+key")
                #expect(assumed.status == 0, "\(assumed.err)")
                let credentials = (try JSONSerialization.jsonObject(with: Data(assumed.out.utf8)) as? [String: Any])?["Credentials"] as? [String: Any]
                #expect((credentials?["AccessKeyId"] as? String)?.hasPrefix("ASIASTANDIN") == true && credentials?["Expiration"] != nil)
                let denied = try Self.aws(
                    ["sts", "assume-role", "--role-arn", "arn:aws:iam::222233334444:role/ConnectAuditor", "--role-session-name", "check"],
                    endpoint: server.base, secret: "stand-in/secret+key")
                #expect(denied.status != 0 && denied.err.contains("AccessDenied"), "\(denied.err)")
                // botocore itself assumes the profile's role at the stand-in's STS, then signs Connect calls with it.
                let config = folder.appendingPathComponent("config").path
                // HOME in the test's folder: the AWS CLI caches assumed roles' credentials under
                // ~/.aws/cli/cache, and one from another stand-in's STS would be refused here.
                let cliEnvironment = ["AWS_CONFIG_FILE": config, "AWS_ENDPOINT_URL_STS": server.base, "HOME": folder.path]
                try "[profile audit]\nrole_arn = arn:aws:iam::111122223333:role/ConnectAuditor\ncredential_source = Environment\n"
                    .write(toFile: config, atomically: true, encoding: .utf8)
                let listed = try Self.aws(
                    ["connect", "list-instances", "--profile", "audit"], endpoint: server.base, secret: "stand-in/secret+key",
                    extra: cliEnvironment)
                #expect(listed.status == 0, "\(listed.err)")
                let instances = (try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [String: Any])?["InstanceSummaryList"] as? [[String: Any]]
                let id = try #require(instances?.first?["Id"] as? String)
                let profiles = try Self.aws(
                    ["connect", "list-security-profiles", "--instance-id", id, "--profile", "audit"], endpoint: server.base, secret: "stand-in/secret+key",
                    extra: cliEnvironment)
                #expect(profiles.status == 0, "\(profiles.err)")
                let summaries = (try JSONSerialization.jsonObject(with: Data(profiles.out.utf8)) as? [String: Any])?["SecurityProfileSummaryList"] as? [Any]
                #expect(summaries?.count == 4)
                let requests = try server.requests()
                let connect = requests.filter { ["ListInstances", "ListSecurityProfiles"].contains($0["operation"] as? String) }
                #expect(connect.count == 2 && connect.allSatisfy { $0["status"] as? Int == 200 && $0["account"] as? String == "111122223333" })
            }
        }
    }

    /// Runs the real AWS CLI (v1, botocore) against `endpoint` with the stand-in's key id.
    static func aws(_ arguments: [String], endpoint: String, secret: String, extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        var environment = ProcessInfo.processInfo.environment
        for name in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"] { environment[name] = nil }
        environment["AWS_ACCESS_KEY_ID"] = "AKIDSTANDIN"
        environment["AWS_SECRET_ACCESS_KEY"] = secret
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        environment.merge(extra) { _, new in new }
        let outcome = try CommandRunner.runTool(
            "aws", arguments + ["--endpoint-url", endpoint, "--region", "eu-west-1", "--output", "json"], environment: environment)
        return (outcome.status, outcome.stdout, outcome.stderr)
    }

    @Test("an endpoint URL with a path (a proxy): the whole path is signed, as the AWS CLI signs it")
    func endpointWithPath() throws {
        try withConnectServer(["regions": ["eu-west-1"], "instances": 1, "profiles": 3, "path_prefix": "/proxy/connect"]) { server in
            let prefixed = server.base + "/proxy/connect"
            var puller = try puller(server, environment: Self.keys)
            puller.regions = ["eu-west-1"]
            puller.endpointOverride = URL(string: prefixed)
            let pulled = try withFolder { folder in try puller.pull(to: folder.appendingPathComponent("night.aws.jsonl").path).rows }
            #expect(pulled == 3)
            let requests = try server.requests()
            #expect(!requests.isEmpty && requests.allSatisfy { ($0["path"] as? String)?.hasPrefix("/proxy/connect/") == true && $0["status"] as? Int == 200 })
            let instances = try Self.aws(["connect", "list-instances"], endpoint: prefixed, secret: "stand-in/secret+key")
            #expect(instances.status == 0, "\(instances.err)")
        }
    }
}

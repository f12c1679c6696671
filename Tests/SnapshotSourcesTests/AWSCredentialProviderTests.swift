import AuditTime
import Foundation
import SnapshotSources
import Testing
import TestSupport

/// The credential providers that go through STS, IAM Identity Center or a process, against
/// the Connect stand-in (which also serves STS and SSO, and checks every signature).
@Suite("AWS credentials through roles, web identity, IAM Identity Center and credential_process")
struct AWSCredentialProviderTests {
    static let base = ["AWS_ACCESS_KEY_ID": "AKIDSTANDIN", "AWS_SECRET_ACCESS_KEY": "stand-in/secret+key"]

    /// An environment with nothing leaking in from this machine, STS and SSO at the stand-in.
    static func isolated(_ server: StandInServer, _ folder: URL, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "HOME": folder.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_STS": server.base, "AWS_ENDPOINT_URL_SSO": server.base,
            "AWS_CONFIG_FILE": folder.appendingPathComponent("config").path,
            "AWS_SHARED_CREDENTIALS_FILE": folder.appendingPathComponent("credentials").path,
        ].merging(extra) { _, new in new }
    }

    /// Pulls one region of the stand-in with `chain`'s credentials: the profiles read.
    static func pull(_ server: StandInServer, _ chain: AWSCredentialChain, into folder: URL) throws -> [String] {
        var puller = AWSPuller(regions: ["eu-west-1"], credentials: try RefreshingCredentials(chain: chain))
        puller.endpointOverride = URL(string: server.base)
        puller.quota = RequestQuota(perSecond: 0, burst: 5)
        let out = folder.appendingPathComponent("pulled-\(UUID().uuidString).jsonl")
        _ = try puller.pull(to: out.path)
        return try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test("role_arn with source_profile, chained through a second role, with external_id: STS AssumeRole signed by the source")
    func assumeRoleChain() throws {
        try withFolder { folder in
            try withConnectServer(["accounts": ["111122223333", "999988887777"]]) { server in
                try """
                    [profile security]
                    role_arn = arn:aws:iam::999988887777:role/Security
                    source_profile = base
                    external_id = audit-2026
                    [profile audit]
                    role_arn = arn:aws:iam::111122223333:role/Auditor
                    source_profile = security
                    role_session_name = nightly-audit
                    duration_seconds = 3600
                    [profile loop-a]
                    role_arn = arn:aws:iam::111122223333:role/A
                    source_profile = loop-b
                    [profile loop-b]
                    role_arn = arn:aws:iam::111122223333:role/B
                    source_profile = loop-a
                    [profile mfa]
                    role_arn = arn:aws:iam::111122223333:role/Auditor
                    source_profile = base
                    mfa_serial = arn:aws:iam::999988887777:mfa/alice
                    """.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
                try "[base]\naws_access_key_id = AKIDSTANDIN\naws_secret_access_key = stand-in/secret+key\n"
                    .write(to: folder.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
                let environment = Self.isolated(server, folder)
                let audit = try AWSCredentialChain(environment: environment, profile: "audit", fallbackRegion: "eu-west-1").resolve()
                #expect(audit.accessKeyID.hasPrefix("ASIASTANDIN") && audit.sessionToken?.hasPrefix("issued-token-") == true)
                #expect(audit.expiration != nil && audit.source.contains("arn:aws:iam::111122223333:role/Auditor"))
                // Two AssumeRole calls, the first signed with the static keys, the second with the first's answer.
                let calls = try server.requests().filter { $0["operation"] as? String == "AssumeRole" }
                #expect(calls.count == 2 && calls.allSatisfy { $0["status"] as? Int == 200 })
                #expect(calls.map { $0["region"] as? String } == ["eu-west-1", "eu-west-1"])
                do {
                    _ = try AWSCredentialChain(environment: environment, profile: "loop-a").resolve()
                    Issue.record("a source_profile loop resolved")
                } catch let error as PullError {
                    #expect(error.description.contains("loop"), "\(error.description)")
                }
                do {
                    _ = try AWSCredentialChain(environment: environment, profile: "mfa").resolve()
                    Issue.record("an MFA profile resolved")
                } catch let error as PullError {
                    #expect(error.description.contains("mfa_serial") && error.description.contains("cannot ask for a code"), "\(error.description)")
                }
            }
        }
    }

    @Test("web identity from the environment and from a profile: unsigned AssumeRoleWithWebIdentity; a refused token never shown")
    func webIdentity() throws {
        try withFolder { folder in
            let token = "eyJraWQiOiJ3ZWItaWRlbnRpdHktdG9rZW4ifQ.payload.signature"
            let tokenFile = folder.appendingPathComponent("token").path
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            try withConnectServer(["accounts": ["111122223333"], "web_identity_token": token, "echo_secrets": true, "regions": ["eu-west-1"], "instances": 2]) { server in
                let fromEnvironment = try AWSCredentialChain(environment: Self.isolated(server, folder, [
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/Auditor", "AWS_REGION": "eu-west-2",
                ])).resolve()
                #expect(fromEnvironment.accessKeyID.hasPrefix("ASIASTANDIN"))
                // A pull with them reads the role's account: its profiles, every call signed with the issued keys.
                let pulled = try Self.pull(server, AWSCredentialChain(environment: Self.isolated(server, folder, [
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/Auditor", "AWS_REGION": "eu-west-2",
                ])), into: folder)
                #expect(pulled.count == 20 && pulled.allSatisfy { $0.contains("arn:aws:connect:eu-west-1:111122223333:instance/") })
                try "[profile eks]\nweb_identity_token_file = \(tokenFile)\nrole_arn = arn:aws:iam::111122223333:role/Auditor\nregion = eu-west-1\n"
                    .write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
                let fromProfile = try AWSCredentialChain(environment: Self.isolated(server, folder), profile: "eks").resolve()
                #expect(fromProfile.accessKeyID.hasPrefix("ASIASTANDIN") && fromProfile.accessKeyID != fromEnvironment.accessKeyID)
                let calls = try server.requests().filter { $0["operation"] as? String == "AssumeRoleWithWebIdentity" }
                #expect(calls.count == 3 && calls.allSatisfy { $0["status"] as? Int == 200 })
                // A token the provider refuses: the stand-in echoes it in its message, which is masked.
                let wrong = "eyJ3cm9uZyJ9.not-the-token.at-all"
                try wrong.write(toFile: tokenFile, atomically: true, encoding: .utf8)
                do {
                    _ = try AWSCredentialChain(environment: Self.isolated(server, folder), profile: "eks").resolve()
                    Issue.record("a refused token resolved")
                } catch let error as PullError {
                    #expect(error.description.contains("InvalidIdentityToken"), "\(error.description)")
                    #expect(!error.description.contains(wrong) && !error.description.contains(token))
                }
            }
        }
    }

    @Test("credential_process: its JSON (version 1, expiry) signs; a failing or malformed process is named, its output never shown")
    func credentialProcess() throws {
        try withFolder { folder in
            let script = folder.appendingPathComponent("creds.py").path
            try """
                import json, sys
                mode = sys.argv[1]
                if mode == "fail":
                    sys.stderr.write("token expired, run sso login\\n")
                    sys.exit(3)
                if mode == "v2":
                    print(json.dumps({"Version": 2, "AccessKeyId": "AKIDSTANDIN", "SecretAccessKey": "stand-in/secret+key"}))
                else:
                    print(json.dumps({"Version": 1, "AccessKeyId": "AKIDSTANDIN", "SecretAccessKey": "stand-in/secret+key",
                                      "Expiration": "2099-01-01T00:00:00Z"}))
                """.write(toFile: script, atomically: true, encoding: .utf8)
            try """
                [profile process]
                credential_process = python3 "\(script)" good
                [profile failing]
                credential_process = python3 \(script) fail
                [profile newer]
                credential_process = python3 '\(script)' v2
                """.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
            let environment = ["HOME": folder.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": folder.appendingPathComponent("config").path]
            let good = try AWSCredentialChain(environment: environment, profile: "process").resolve()
            #expect(good.accessKeyID == "AKIDSTANDIN" && good.secretAccessKey == "stand-in/secret+key")
            try withConnectServer(["regions": ["eu-west-1"], "instances": 1, "profiles": 7]) { server in
                let pulled = try Self.pull(server, AWSCredentialChain(environment: environment, profile: "process"), into: folder)
                #expect(pulled.count == 7)
                #expect(try server.requests().allSatisfy { $0["status"] as? Int == 200 })
            }
            #expect(good.expiration == Instant(parsing: "2099-01-01T00:00:00Z") && good.source.contains("credential_process"))
            do {
                _ = try AWSCredentialChain(environment: environment, profile: "failing").resolve()
                Issue.record("a failing process resolved")
            } catch let error as PullError {
                #expect(error.description.contains("exited with 3") && error.description.contains("token expired"), "\(error.description)")
            }
            do {
                _ = try AWSCredentialChain(environment: environment, profile: "newer").resolve()
                Issue.record("version 2 resolved")
            } catch let error as PullError {
                #expect(error.description.contains("Version 2") && !error.description.contains("stand-in/secret+key"), "\(error.description)")
            }
        }
    }

    @Test("IAM Identity Center: the AWS CLI's cached token (sso-session) for GetRoleCredentials; expired or refused, log in again")
    func identityCenter() throws {
        try withFolder { folder in
            let token = "aoaAAAAAGZ-sso-access-token-value"
            try withConnectServer(["accounts": ["111122223333"], "sso_token": token, "echo_secrets": true]) { server in
                try """
                    [profile sso]
                    sso_session = corp
                    sso_account_id = 111122223333
                    sso_role_name = ConnectAuditor
                    [sso-session corp]
                    sso_start_url = https://corp.awsapps.com/start
                    sso_region = eu-west-1
                    """.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
                let cache = folder.appendingPathComponent(".aws/sso/cache")
                try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
                // botocore's SSOTokenLoader: the file is named by the SHA-1 of the session name.
                let name = "ee0bfd2552fbd840c02cc48b6e823320543c450f"  // sha1("corp"), computed with Python's hashlib
                func cacheToken(_ value: String, expires: String) throws {
                    try #"{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "\#(value)", "expiresAt": "\#(expires)"}"#
                        .write(to: cache.appendingPathComponent(name + ".json"), atomically: true, encoding: .utf8)
                }
                try cacheToken(token, expires: "2099-01-01T00:00:00Z")
                let environment = Self.isolated(server, folder)
                let credentials = try AWSCredentialChain(environment: environment, profile: "sso").resolve()
                #expect(credentials.accessKeyID.hasPrefix("ASIASTANDIN") && credentials.expiration != nil)
                try cacheToken("a-token-the-portal-refuses", expires: "2099-01-01T00:00:00Z")
                do {
                    _ = try AWSCredentialChain(environment: environment, profile: "sso").resolve()
                    Issue.record("a refused token resolved")
                } catch let error as PullError {
                    #expect(error.description.contains("aws sso login --profile sso") && !error.description.contains("a-token-the-portal-refuses"))
                }
                try cacheToken(token, expires: "2020-01-01T00:00:00Z")
                do {
                    _ = try AWSCredentialChain(environment: environment, profile: "sso").resolve()
                    Issue.record("an expired token resolved")
                } catch let error as PullError {
                    #expect(error.description.contains("expired") && !error.description.contains(token))
                }
            }
        }
    }

    @Test("endpoints as the SDKs resolve them: the service's variable, then AWS_ENDPOINT_URL, then services, then the profile")
    func endpoints() throws {
        let services = ["local": ["sts.endpoint_url": "http://127.0.0.1:4001", "connect.endpoint_url": "http://127.0.0.1:4002"]]
        let profile = ["services": "local", "endpoint_url": "http://127.0.0.1:4003"]
        let all = AWSEndpoints(
            environment: ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4004", "AWS_ENDPOINT_URL": "http://127.0.0.1:4005"], profile: profile, services: services)
        #expect(try all.url(.sts, region: "eu-west-1").absoluteString == "http://127.0.0.1:4004")
        #expect(try all.url(.connect, region: "eu-west-1").absoluteString == "http://127.0.0.1:4005")
        let fromFile = AWSEndpoints(environment: [:], profile: profile, services: services)
        #expect(try fromFile.url(.connect, region: "eu-west-1").absoluteString == "http://127.0.0.1:4002")
        #expect(try fromFile.url(.sso, region: "eu-west-1").absoluteString == "http://127.0.0.1:4003")
        let ignoring = AWSEndpoints(environment: ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:4005"], profile: profile, services: services)
        #expect(try ignoring.url(.sts, region: "eu-west-1").absoluteString == "https://sts.eu-west-1.amazonaws.com")
        #expect(try ignoring.url(.connect, region: "cn-north-1").absoluteString == "https://connect.cn-north-1.amazonaws.com.cn")
        #expect(try ignoring.url(.sso, region: "us-gov-west-1").absoluteString == "https://portal.sso.us-gov-west-1.amazonaws.com")
        #expect(try AWSEndpoints(environment: [:]).url(.sts, region: nil).absoluteString == "https://sts.amazonaws.com")
        // A session token never goes in clear to another machine.
        #expect(throws: PullError.self) { try AWSEndpoints(environment: ["AWS_ENDPOINT_URL": "http://sts.example.com"]).url(.sts, region: "eu-west-1") }
        #expect(AWSPartition.of(region: "cn-northwest-1").name == "aws-cn" && AWSPartition.of(region: "eu-west-1").name == "aws")
    }
}

@Suite("the pieces of the credential chain and the quotas, without a network")
struct AWSChainPartsTests {
    @Test("credential_process is split as a POSIX shell splits it (shlex), no shell run")
    func words() throws {
        #expect(try CredentialProcess.words(of: #"/usr/bin/tool --profile "a b" 'c "d"' e\ f"#) == ["/usr/bin/tool", "--profile", "a b", #"c "d""#, "e f"])
        #expect(try CredentialProcess.words(of: #"x "a\"b\\c\d""#) == ["x", #"a"b\c\d"#])
        #expect(try CredentialProcess.words(of: "  ") == [])
        #expect(throws: PullError.self) { try CredentialProcess.words(of: "x 'open") }
    }

    @Test("the shared files: nested settings kept as parent.child, the credentials file wins over the config file")
    func sharedFiles() throws {
        try withFolder { folder in
            try """
                [default]
                region = eu-west-1
                [profile a]
                services = local
                role_arn = arn:aws:iam::111122223333:role/X
                [services local]
                sts =
                  endpoint_url = http://127.0.0.1:9
                connect =
                    endpoint_url = http://127.0.0.1:8
                [sso-session corp]
                sso_region = eu-west-1
                """.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
            try "[a]\nrole_arn = arn:aws:iam::222233334444:role/Y\n".write(to: folder.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
            let files = try AWSConfigFiles(environment: ["HOME": folder.path,
                "AWS_CONFIG_FILE": folder.appendingPathComponent("config").path,
                "AWS_SHARED_CREDENTIALS_FILE": folder.appendingPathComponent("credentials").path])
            #expect(files.services["local"] == ["sts": "", "sts.endpoint_url": "http://127.0.0.1:9", "connect": "", "connect.endpoint_url": "http://127.0.0.1:8"])
            #expect(files.setting("role_arn", of: "a") == "arn:aws:iam::222233334444:role/Y")
            #expect(files.setting("region", of: "default") == "eu-west-1" && files.ssoSessions["corp"]?["sso_region"] == "eu-west-1")
            let endpoints = AWSEndpoints(environment: [:], profile: files.profiles["a"] ?? [:], services: files.services)
            #expect(try endpoints.url(.sts, region: "eu-west-1").absoluteString == "http://127.0.0.1:9")
            #expect(try endpoints.url(.connect, region: "eu-west-1").absoluteString == "http://127.0.0.1:8")
        }
    }

    @Test("a throttled bucket slows alone, by 0.7 down to a quarter of the quota, and comes back with successes")
    func buckets() {
        let buckets = QuotaBuckets(quota: .connectDefault)
        buckets.acquire("a|eu-west-1|DescribeSecurityProfile")
        buckets.acquire("a|eu-west-1|ListSecurityProfilePermissions")
        buckets.throttled("a|eu-west-1|DescribeSecurityProfile")
        #expect(abs(buckets.rate("a|eu-west-1|DescribeSecurityProfile") - 1.4) < 1e-9)
        #expect(buckets.rate("a|eu-west-1|ListSecurityProfilePermissions") == 2)
        for _ in 0..<10 { buckets.throttled("a|eu-west-1|DescribeSecurityProfile") }
        #expect(buckets.rate("a|eu-west-1|DescribeSecurityProfile") == 0.5)
        for _ in 0..<30 { buckets.succeeded("a|eu-west-1|DescribeSecurityProfile") }
        #expect(buckets.rate("a|eu-west-1|DescribeSecurityProfile") == 2)
    }

    @Test("an STS answer's fields and an STS error's code, from Foundation's XML parser")
    func stsAnswers() {
        let answer = STSAnswer.fields(of: Data("""
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
            <AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s/k</SecretAccessKey><SessionToken>t&amp;t</SessionToken>
            <Expiration>2026-12-07T05:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>
            """.utf8))
        #expect(answer["AccessKeyId"] == "ASIAX" && answer["SessionToken"] == "t&t" && answer["Expiration"] == "2026-12-07T05:00:00Z")
        #expect(answer["Credentials"] == nil)
        let error = STSAnswer.fields(of: Data(#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>"#.utf8))
        #expect(error["Code"] == "AccessDenied" && error["Message"] == "no")
    }
}

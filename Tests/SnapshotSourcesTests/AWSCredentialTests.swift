import AuditTime
import Foundation
import SnapshotSources
import Testing
import TestSupport

@Suite("AWS credentials, found as the AWS tools find them")
struct AWSCredentialTests {
    /// An environment where no real source leaks in: no HOME files, no metadata service.
    static func isolated(_ extra: [String: String], folder: URL) -> [String: String] {
        ["HOME": folder.path, "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { _, new in new }
    }

    @Test("the environment first; then the shared credentials file, then the config file's [profile NAME]")
    func environmentAndFiles() throws {
        try withFolder { folder in
            let credentials = folder.appendingPathComponent("credentials").path
            let config = folder.appendingPathComponent("config").path
            try """
                # comment
                [default]
                aws_access_key_id = AKIADEFAULT
                aws_secret_access_key = default-secret

                [audit]
                aws_access_key_id=AKIAAUDIT
                aws_secret_access_key = audit/secret+key
                aws_session_token = audit-token
                """.write(toFile: credentials, atomically: true, encoding: .utf8)
            try """
                [profile from-config]
                region = eu-west-2
                aws_access_key_id = AKIACONFIG
                aws_secret_access_key = config-secret
                s3 =
                  max_concurrent_requests = 20
                [profile sso-user]
                sso_session = corp
                sso_account_id = 111122223333
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let files = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]
            let environment = try AWSCredentialChain(environment: Self.isolated(files.merging(
                ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"]) { a, _ in a }, folder: folder)).resolve()
            #expect(environment.accessKeyID == "AKIAENV" && environment.sessionToken == "env-token")
            #expect(try AWSCredentialChain(environment: Self.isolated(files, folder: folder)).resolve().accessKeyID == "AKIADEFAULT")
            let audit = try AWSCredentialChain(environment: Self.isolated(files.merging(["AWS_PROFILE": "audit"]) { a, _ in a }, folder: folder)).resolve()
            #expect(audit.accessKeyID == "AKIAAUDIT" && audit.secretAccessKey == "audit/secret+key" && audit.sessionToken == "audit-token")
            #expect(audit.source.contains("profile audit"))
            #expect(try AWSCredentialChain(environment: Self.isolated(files, folder: folder), profile: "from-config").resolve().accessKeyID == "AKIACONFIG")
            #expect(throws: PullError.self) { try AWSCredentialChain(environment: Self.isolated(files, folder: folder), profile: "nobody").resolve() }
            do {
                _ = try AWSCredentialChain(environment: Self.isolated(files, folder: folder), profile: "sso-user").resolve()
                Issue.record("an SSO profile resolved")
            } catch let error as PullError {
                // IAM Identity Center is followed now: a profile whose sso-session section is missing says so.
                #expect(error.description.contains("names sso_session corp"), "\(error.description)")
            }
            // Nothing anywhere: one message that says where to put them.
            do {
                _ = try AWSCredentialChain(environment: Self.isolated([:], folder: folder)).resolve()
                Issue.record("resolved from nothing")
            } catch let error as PullError {
                #expect(error.description.contains("no AWS credentials found"))
            }
        }
    }

    @Test("container credentials with their authorization token; IMDSv2 with a session token; refreshed before expiry")
    func containerAndInstance() throws {
        try withFolder { folder in
            let server = try StandInServer(
                script: "Tests/SnapshotSourcesTests/Fixtures/metadata_server.py",
                behaviour: #"{"role": "audit-role", "expires_in": 120, "authorization": "container-auth"}"#)
            defer { server.stop() }
            let container = try AWSCredentialChain(environment: Self.isolated([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-auth",
            ], folder: folder)).resolve()
            #expect(container.accessKeyID.hasPrefix("ASIAMETADATA") && container.sessionToken == "metadata-session" && container.expiration != nil)
            let instance = AWSCredentialChain(environment: [
                "HOME": folder.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.base,
            ])
            let found = try instance.resolve()
            #expect(found.source == "instance profile audit-role")
            let paths = try server.requests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" }
            #expect(paths.contains("PUT /latest/api/token"))
            #expect(paths.contains("GET /latest/meta-data/iam/security-credentials/audit-role"))
            // Credentials that expire within the refresh margin (5 minutes; these expire in 2)
            // are fetched again before each use; static ones never.
            let shared = try RefreshingCredentials(chain: instance)
            let first = try shared.credentials()
            let second = try shared.credentials()
            #expect(first.accessKeyID != second.accessKeyID)
            #expect(shared.resolutions == 3)
            let fixed = try RefreshingCredentials(chain: AWSCredentialChain(environment: Self.isolated(
                ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret"], folder: folder)))
            _ = try fixed.credentials()
            _ = try fixed.credentials()
            #expect(fixed.resolutions == 1)
        }
    }
}

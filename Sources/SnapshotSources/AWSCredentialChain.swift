import AuditTime
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Finds AWS credentials as the AWS SDKs do, in botocore's order
/// (`botocore/credentials.py`, `create_credential_resolver` and `ProfileProviderBuilder`):
///
/// 1. the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`),
///    unless a profile was named on the command line;
/// 2. the profile's `role_arn` with `source_profile` or `credential_source` (`Environment`,
///    `EcsContainer`, `Ec2InstanceMetadata`): STS `AssumeRole` with `external_id`,
///    `role_session_name`, `duration_seconds`; `mfa_serial` is refused (nothing here can
///    prompt for a code);
/// 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`),
///    or the profile's `web_identity_token_file` + `role_arn`: STS `AssumeRoleWithWebIdentity`;
/// 4. IAM Identity Center (`sso_session`, or the legacy `sso_start_url`): the AWS CLI's
///    cached token, `GetRoleCredentials` (`SSOCredentials`);
/// 5. static keys of the profile in the credentials file (`AWS_SHARED_CREDENTIALS_FILE`);
/// 6. the profile's `credential_process` (`CredentialProcess`);
/// 7. static keys of the profile in the config file (`AWS_CONFIG_FILE`);
/// 8. ECS container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`,
///    with `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`);
/// 9. EC2 instance metadata with an IMDSv2 session token (`AWS_EC2_METADATA_SERVICE_ENDPOINT`
///    to override the address, `AWS_EC2_METADATA_DISABLED=true` to skip it).
///
/// STS is asked in the region of `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`,
/// else `fallbackRegion` (the pull's first region), at the endpoint `AWSEndpoints` gives.
package struct AWSCredentialChain: Sendable {
    package var environment: [String: String]
    /// A profile named on the command line (else `AWS_PROFILE`, else `default`).
    package var profile: String?
    /// Timeout of one metadata request (the container and instance endpoints are local).
    package var metadataTimeout: Double = 2
    /// The region for STS when neither the environment nor the profile names one.
    package var fallbackRegion: String?

    package init(environment: [String: String], profile: String? = nil, fallbackRegion: String? = nil) {
        self.environment = environment
        self.profile = profile
        self.fallbackRegion = fallbackRegion
    }

    /// The first credentials found.
    /// - Throws: `PullError` naming what was looked at and what to do.
    package func resolve() throws -> AWSCredentials {
        if profile == nil, let found = fromEnvironment() { return found }
        let files = try AWSConfigFiles(environment: environment)
        if let found = try fromProfile(profileName, files: files, visited: [], topLevel: true) { return found }
        if let found = try fromContainer() { return found }
        if let found = try fromInstanceMetadata() { return found }
        throw PullError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
                + "or AWS_PROFILE naming a profile in \(files.credentialsFile) or \(files.configFile) (keys, role_arn, "
                + "web identity, sso_session or credential_process), or run where container or instance credentials exist")
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    func fromEnvironment() -> AWSCredentials? {
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]), source: "the environment")
    }

    /// The profile the pull runs as: the named one, else `AWS_PROFILE`, else `default`.
    package var profileName: String { profile ?? nonEmpty(environment["AWS_PROFILE"]) ?? nonEmpty(environment["AWS_DEFAULT_PROFILE"]) ?? "default" }

    /// The providers that read a profile, in botocore's order (2 to 7 above). `topLevel`:
    /// the profile the pull runs as (the environment's web identity applies to it only,
    /// and only when no profile was named on the command line).
    func fromProfile(_ name: String, files: AWSConfigFiles, visited: [String], topLevel: Bool) throws -> AWSCredentials? {
        let settings = files.profiles[name] ?? [:]
        if settings["role_arn"] != nil, settings["web_identity_token_file"] == nil {
            return try assumeRole(profile: name, settings: settings, files: files, visited: visited + [name])
        }
        if let found = try webIdentity(profile: name, settings: settings, files: files, useEnvironment: topLevel && profile == nil) { return found }
        if settings["sso_session"] != nil || settings["sso_start_url"] != nil {
            let endpoints = AWSEndpoints(environment: environment, profile: settings, services: files.services)
            return try SSOCredentials(profile: name, files: files, environment: environment, endpoints: endpoints).resolve()
        }
        if let found = staticKeys(files.credentialsFileProfiles[name], file: files.credentialsFile, profile: name) { return found }
        if let command = settings["credential_process"], !command.isEmpty {
            return try CredentialProcess(command: command).run(profile: name)
        }
        if let found = staticKeys(files.configFileProfiles[name], file: files.configFile, profile: name) { return found }
        let named = !topLevel || profile != nil || nonEmpty(environment["AWS_PROFILE"]) != nil
        if named, files.profiles[name] == nil {
            throw PullError("profile \(name) is in neither \(files.credentialsFile) nor \(files.configFile); check AWS_PROFILE, --profile or source_profile")
        }
        if named {
            throw PullError("profile \(name) has no credentials: no aws_access_key_id and aws_secret_access_key, role_arn, web_identity_token_file, sso_session or credential_process")
        }
        return nil
    }

    private func staticKeys(_ section: [String: String]?, file: String, profile name: String) -> AWSCredentials? {
        guard let section, let key = nonEmpty(section["aws_access_key_id"]), let secret = nonEmpty(section["aws_secret_access_key"]) else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(section["aws_session_token"]), source: "\(file) (profile \(name))")
    }

    /// The profile's role, assumed with the credentials of its `source_profile` or
    /// `credential_source` (botocore's `AssumeRoleProvider`).
    func assumeRole(profile name: String, settings: [String: String], files: AWSConfigFiles, visited: [String]) throws -> AWSCredentials {
        guard let roleARN = nonEmpty(settings["role_arn"]) else { throw PullError("profile \(name) has an empty role_arn") }
        if let serial = nonEmpty(settings["mfa_serial"]) {
            throw PullError(
                "profile \(name) assumes \(roleARN) with MFA (mfa_serial \(serial)): connect-audit runs unattended and cannot ask for a code; "
                    + "give the audit a role without an MFA condition, or sign in with the AWS CLI and export the credentials "
                    + "(eval \"$(aws configure export-credentials --profile \(name) --format env)\")")
        }
        let source: AWSCredentials
        switch (nonEmpty(settings["source_profile"]), nonEmpty(settings["credential_source"])) {
        case (.some, .some):
            throw PullError("profile \(name) has both source_profile and credential_source; keep one")
        case (nil, nil):
            throw PullError("profile \(name) has role_arn but neither source_profile nor credential_source")
        case (nil, .some(let kind)):
            source = try fromCredentialSource(kind, profile: name)
        case (.some(let sourceName), nil):
            source = try fromSourceProfile(sourceName, of: name, files: files, visited: visited)
        }
        var options = STSClient.RoleOptions(sessionName: nonEmpty(settings["role_session_name"]) ?? Self.sessionName())
        options.externalID = nonEmpty(settings["external_id"])
        if let text = nonEmpty(settings["duration_seconds"]) {
            guard let seconds = Int(text), (900...43_200).contains(seconds) else {
                throw PullError("profile \(name)'s duration_seconds must be from 900 to 43200 (STS's DurationSeconds)")
            }
            options.durationSeconds = seconds
        }
        return try sts(settings: settings, files: files).assumeRole(roleARN, options: options, with: source)
    }

    /// `credential_source`: one of the providers botocore's `CanonicalNameCredentialSourcer` names.
    private func fromCredentialSource(_ kind: String, profile name: String) throws -> AWSCredentials {
        let found: AWSCredentials?
        switch kind {
        case "Environment": found = fromEnvironment()
        case "EcsContainer": found = try fromContainer()
        case "Ec2InstanceMetadata": found = try fromInstanceMetadata()
        default:
            throw PullError("profile \(name)'s credential_source \(kind) is not one of Environment, EcsContainer, Ec2InstanceMetadata")
        }
        guard let found else { throw PullError("profile \(name)'s credential_source \(kind) has no credentials") }
        return found
    }

    /// The credentials of a `source_profile`: its own keys (a profile may name itself for
    /// them), its chain of roles, or its other providers; a loop is refused.
    private func fromSourceProfile(_ sourceName: String, of name: String, files: AWSConfigFiles, visited: [String]) throws -> AWSCredentials {
        guard let source = files.profiles[sourceName] else {
            throw PullError("profile \(name)'s source_profile \(sourceName) is in neither \(files.credentialsFile) nor \(files.configFile)")
        }
        let hasKeys = source["aws_access_key_id"] != nil || source["aws_secret_access_key"] != nil
        if visited.contains(sourceName), !(sourceName == name && hasKeys) {
            throw PullError("profiles \((visited + [sourceName]).joined(separator: " -> ")) name each other as source_profile in a loop")
        }
        if hasKeys {
            guard let found = staticKeys(files.credentialsFileProfiles[sourceName], file: files.credentialsFile, profile: sourceName)
                ?? staticKeys(files.configFileProfiles[sourceName], file: files.configFile, profile: sourceName)
            else { throw PullError("profile \(sourceName) needs both aws_access_key_id and aws_secret_access_key") }
            return found
        }
        if source["role_arn"] != nil, source["web_identity_token_file"] == nil {
            return try assumeRole(profile: sourceName, settings: source, files: files, visited: visited + [sourceName])
        }
        guard let found = try fromProfile(sourceName, files: files, visited: visited + [sourceName], topLevel: false) else {
            throw PullError("the source profile \(sourceName) must have credentials")
        }
        return found
    }

    /// Web identity (botocore's `AssumeRoleWithWebIdentityProvider`): each setting from the
    /// environment first (when `useEnvironment`), then from the profile.
    func webIdentity(profile name: String, settings: [String: String], files: AWSConfigFiles, useEnvironment: Bool) throws -> AWSCredentials? {
        func setting(_ key: String, _ variable: String) -> String? {
            (useEnvironment ? nonEmpty(environment[variable]) : nil) ?? nonEmpty(settings[key])
        }
        guard let tokenFile = setting("web_identity_token_file", "AWS_WEB_IDENTITY_TOKEN_FILE") else { return nil }
        guard let roleARN = setting("role_arn", "AWS_ROLE_ARN") else {
            throw PullError("web identity is configured (\(tokenFile)) but no role: set AWS_ROLE_ARN or the profile's role_arn")
        }
        guard let data = FileManager.default.contents(atPath: tokenFile), data.count <= 64 << 10 else {
            throw PullError("cannot read the web identity token file \(tokenFile) (AWS_WEB_IDENTITY_TOKEN_FILE or web_identity_token_file)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw PullError("the web identity token file \(tokenFile) is empty") }
        let session = setting("role_session_name", "AWS_ROLE_SESSION_NAME") ?? Self.sessionName()
        return try sts(settings: settings, files: files).assumeRoleWithWebIdentity(roleARN, sessionName: session, token: token)
    }

    /// The STS client for a profile's settings: its region and endpoint.
    func sts(settings: [String: String], files: AWSConfigFiles) throws -> STSClient {
        let region = nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"]) ?? nonEmpty(settings["region"]) ?? fallbackRegion
        let endpoint = try AWSEndpoints(environment: environment, profile: settings, services: files.services).url(.sts, region: region)
        return STSClient(endpoint: endpoint, region: region ?? "us-east-1")
    }

    /// The STS client of the profile the pull runs as (for `--account`'s roles).
    package func stsClient() throws -> STSClient {
        let files = try AWSConfigFiles(environment: environment)
        return try sts(settings: files.profiles[profileName] ?? [:], files: files)
    }

    /// A session name as botocore makes one (`botocore-session-<epoch>`), named for this program.
    package static func sessionName() -> String {
        "connect-audit-\(Instant.now.microsecondsSinceEpoch / 1_000_000)"
    }

    /// ECS (and EKS Pod Identity) container credentials.
    func fromContainer() throws -> AWSCredentials? {
        let url: URL
        if let relative = nonEmpty(environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) {
            guard let full = URL(string: "http://169.254.170.2" + relative) else { throw PullError("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a path") }
            url = full
        } else if let text = nonEmpty(environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]) {
            guard let full = URL(string: text), let host = full.host else { throw PullError("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL") }
            // As the AWS SDKs: plain http only to this machine or the container agents.
            let allowed = ["127.0.0.1", "localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
            guard full.scheme == "https" || allowed.contains(host) else {
                throw PullError("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or container-agent address")
            }
            url = full
        } else {
            return nil
        }
        var request = URLRequest(url: url)
        if let token = nonEmpty(environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) {
            request.setValue(token, forHTTPHeaderField: "Authorization")
        } else if let file = nonEmpty(environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else { throw PullError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)") }
            request.setValue(token.trimmingCharacters(in: .whitespacesAndNewlines), forHTTPHeaderField: "Authorization")
        }
        return try Self.temporary(from: try fetch(request, what: "the container credentials endpoint"), source: "container credentials")
    }

    /// EC2 instance profile credentials through IMDSv2: a session token first, then the role.
    func fromInstanceMetadata() throws -> AWSCredentials? {
        guard environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true" else { return nil }
        let base = nonEmpty(environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]) ?? "http://169.254.169.254"
        guard let tokenURL = URL(string: base + "/latest/api/token"),
              let rolesURL = URL(string: base + "/latest/meta-data/iam/security-credentials/")
        else { throw PullError("AWS_EC2_METADATA_SERVICE_ENDPOINT is not a URL") }
        var tokenRequest = URLRequest(url: tokenURL)
        tokenRequest.httpMethod = "PUT"
        tokenRequest.setValue("21600", forHTTPHeaderField: "X-aws-ec2-metadata-token-ttl-seconds")
        // Not on EC2 (no answer at all): this source has nothing, the chain goes on.
        guard let tokenResponse = try? HTTPClient(timeout: metadataTimeout).send(tokenRequest) else { return nil }
        guard tokenResponse.status == 200 else {
            throw PullError("the instance metadata service refused an IMDSv2 token: HTTP \(tokenResponse.status)")
        }
        let token = String(decoding: tokenResponse.body, as: UTF8.self)
        var rolesRequest = URLRequest(url: rolesURL)
        rolesRequest.setValue(token, forHTTPHeaderField: "X-aws-ec2-metadata-token")
        let roles = String(decoding: try fetch(rolesRequest, what: "the instance metadata service"), as: UTF8.self)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty,
              let roleURL = URL(string: rolesURL.absoluteString + SigV4.uriEncode(role, keepSlash: false))
        else { throw PullError("this instance has no IAM role (instance profile): attach one, or give credentials another way") }
        var roleRequest = URLRequest(url: roleURL)
        roleRequest.setValue(token, forHTTPHeaderField: "X-aws-ec2-metadata-token")
        return try Self.temporary(from: try fetch(roleRequest, what: "the instance metadata service"), source: "instance profile \(role)")
    }

    private func fetch(_ request: URLRequest, what: String) throws -> Data {
        let response: HTTPResponse
        do {
            response = try HTTPClient(timeout: metadataTimeout).send(request)
        } catch {
            throw PullError("\(what) did not answer: \(error.description)")
        }
        guard response.status == 200 else { throw PullError("\(what) answered HTTP \(response.status): \(response.bodyPreview)") }
        return response.body
    }

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, the container and
    /// instance endpoints' answer.
    static func temporary(from body: Data, source: String) throws -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String
        else { throw PullError("\(source): the answer has no AccessKeyId and SecretAccessKey") }
        let expiration = (object["Expiration"] as? String).flatMap(Instant.init(parsing:))
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String, expiration: expiration, source: source)
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

/// Credentials shared by a pull's workers, resolved again before temporary ones expire.
package final class RefreshingCredentials: Sendable {
    private let resolver: @Sendable () throws -> AWSCredentials
    /// The credentials in use, and how many times credentials were resolved (the first included).
    private let state: Mutex<(current: AWSCredentials, resolutions: Int)>
    /// Refresh this long before the expiry, in microseconds (the AWS SDKs use 5 to 15 minutes).
    private let margin: Int64 = 5 * 60 * 1_000_000

    /// Resolves once now with `resolver`, and again whenever the credentials near their expiry.
    package init(resolving resolver: @escaping @Sendable () throws -> AWSCredentials) throws {
        self.resolver = resolver
        state = Mutex((try resolver(), 1))
    }

    package convenience init(chain: AWSCredentialChain) throws {
        try self.init { try chain.resolve() }
    }

    /// How many times credentials were resolved (the first included).
    package var resolutions: Int { state.withLock { $0.resolutions } }

    /// Resolves the credentials again now (the service said they expired).
    package func refreshNow() throws {
        try state.withLock { state in
            state.current = try resolver()
            state.resolutions += 1
        }
    }

    /// Credentials good for a while yet (workers wait while one of them refreshes).
    package func credentials() throws -> AWSCredentials {
        try state.withLock { state in
            if let expiration = state.current.expiration, expiration.microsecondsSinceEpoch - Instant.now.microsecondsSinceEpoch < margin {
                state.current = try resolver()
                state.resolutions += 1
            }
            return state.current
        }
    }
}

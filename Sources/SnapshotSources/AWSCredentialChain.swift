import AuditTime
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Finds AWS credentials as the AWS tools do, in their order (botocore's default chain,
/// the parts a pull needs): the environment; the shared credentials and config files
/// (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, `AWS_PROFILE`, static keys with
/// session tokens); ECS container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` /
/// `_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`); EC2 instance metadata with
/// an IMDSv2 session token (`AWS_EC2_METADATA_SERVICE_ENDPOINT` to override the address,
/// `AWS_EC2_METADATA_DISABLED=true` to skip it).
///
/// Profiles that sign in through SSO, assume a role or run a `credential_process` are not
/// followed here: export their credentials into the environment first (the README says how).
package struct AWSCredentialChain: Sendable {
    package var environment: [String: String]
    /// A profile named on the command line (else `AWS_PROFILE`, else `default`).
    package var profile: String?
    /// Timeout of one metadata request (the container and instance endpoints are local).
    package var metadataTimeout: Double = 2

    package init(environment: [String: String], profile: String? = nil) {
        self.environment = environment
        self.profile = profile
    }

    /// The first credentials found.
    /// - Throws: `PullError` naming what was looked at and what to do.
    package func resolve() throws -> AWSCredentials {
        if profile == nil, let found = fromEnvironment() { return found }
        if let found = try fromSharedFiles() { return found }
        if let found = try fromContainer() { return found }
        if let found = try fromInstanceMetadata() { return found }
        throw PullError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
                + "or AWS_PROFILE with keys in \(credentialsFile) or \(configFile), or run where container or instance credentials exist")
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    func fromEnvironment() -> AWSCredentials? {
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]), source: "the environment")
    }

    var home: String { environment["HOME"] ?? NSHomeDirectory() }
    var credentialsFile: String { nonEmpty(environment["AWS_SHARED_CREDENTIALS_FILE"]) ?? home + "/.aws/credentials" }
    var configFile: String { nonEmpty(environment["AWS_CONFIG_FILE"]) ?? home + "/.aws/config" }
    var profileName: String { profile ?? nonEmpty(environment["AWS_PROFILE"]) ?? nonEmpty(environment["AWS_DEFAULT_PROFILE"]) ?? "default" }

    /// Static keys of the profile in the credentials file, else in the config file.
    func fromSharedFiles() throws -> AWSCredentials? {
        let name = profileName
        let credentials = try INIFile.read(credentialsFile)?[name]
        let config = try INIFile.read(configFile).flatMap { $0[name == "default" ? "default" : "profile \(name)"] ?? $0[name] }
        for (section, file) in [(credentials, credentialsFile), (config, configFile)] {
            guard let section else { continue }
            if let key = nonEmpty(section["aws_access_key_id"]), let secret = nonEmpty(section["aws_secret_access_key"]) {
                return AWSCredentials(
                    accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(section["aws_session_token"]),
                    source: "\(file) (profile \(name))")
            }
            if let kind = ["sso_session", "sso_start_url", "role_arn", "credential_process", "web_identity_token_file"].first(where: { section[$0] != nil }) {
                throw PullError(
                    "profile \(name) in \(file) uses \(kind), which connect-audit does not follow: sign in with the AWS CLI, then "
                        + "eval \"$(aws configure export-credentials --profile \(name) --format env)\" and pull again")
            }
        }
        let named = profile != nil || nonEmpty(environment["AWS_PROFILE"]) != nil
        if named, credentials == nil, config == nil {
            throw PullError("profile \(name) is in neither \(credentialsFile) nor \(configFile); check AWS_PROFILE or --profile")
        }
        if named { throw PullError("profile \(name) has no aws_access_key_id and aws_secret_access_key") }
        return nil
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

/// The AWS shared files' INI form: `[section]`, `key = value`, `#` and `;` comments;
/// indented lines (nested settings such as `s3 =`) belong to the key above and are skipped.
enum INIFile {
    /// Sections by name, or `nil` when the file does not exist.
    static func read(_ path: String) throws -> [String: [String: String]]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw PullError("cannot read \(path) as UTF-8 text") }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            guard let first = rawLine.first, first != " ", first != "\t" else { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}

/// Credentials shared by a pull's workers, refreshed before temporary ones expire.
package final class RefreshingCredentials: @unchecked Sendable {
    private let chain: AWSCredentialChain
    private let lock = NSLock()
    private var current: AWSCredentials
    /// Refresh this long before the expiry, in microseconds (the AWS SDKs use 5 to 15 minutes).
    private let margin: Int64 = 5 * 60 * 1_000_000
    /// How many times credentials were resolved (the first included).
    package private(set) var resolutions = 1

    package init(chain: AWSCredentialChain) throws {
        self.chain = chain
        current = try chain.resolve()
    }

    /// Resolves the credentials again now (the service said they expired).
    package func refreshNow() throws {
        lock.lock()
        defer { lock.unlock() }
        current = try chain.resolve()
        resolutions += 1
    }

    /// Credentials good for a while yet.
    package func credentials() throws -> AWSCredentials {
        lock.lock()
        defer { lock.unlock() }
        if let expiration = current.expiration, expiration.microsecondsSinceEpoch - Instant.now.microsecondsSinceEpoch < margin {
            current = try chain.resolve()
            resolutions += 1
        }
        return current
    }
}

import AuditModel
import AuditTime
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// IAM Identity Center (SSO) credentials of a profile, as botocore's `SSOProvider` gets
/// them: the access token the AWS CLI's `aws sso login` left in its token cache
/// (`~/.aws/sso/cache/<sha1>.json`, keyed by the SHA-1 of the `sso_session` name, or of
/// `sso_start_url` for a legacy profile; `accessToken`, `expiresAt`), exchanged for the
/// role's credentials with SSO's `GetRoleCredentials` (botocore's model
/// `botocore/data/sso/2019-06-10/service-2.json`: `GET /federation/credentials?role_name=
/// &account_id=`, the token in `x-amz-sso_bearer_token`, no signature; the answer's
/// `roleCredentials` hold `accessKeyId`, `secretAccessKey`, `sessionToken` and
/// `expiration` in epoch milliseconds).
///
/// The token is not refreshed here (that is `aws sso login`'s OIDC flow); an expired one
/// is a message saying to log in again. The role credentials are fetched anew before they
/// expire, as long as the token lasts.
package struct SSOCredentials: Sendable {
    package var profile: String
    package var startURL: String
    package var sessionName: String?
    package var region: String
    package var accountID: String
    package var roleName: String
    package var endpoint: URL
    package var tokenCacheFolder: String
    package var http = HTTPClient(timeout: 30)

    /// The profile's SSO settings (the `[sso-session]` section's when it names one).
    package init(profile: String, files: AWSConfigFiles, environment: [String: String], endpoints: AWSEndpoints) throws {
        self.profile = profile
        var settings = files.profiles[profile] ?? [:]
        if let session = settings["sso_session"] {
            guard let section = files.ssoSessions[session] else {
                throw PullError("profile \(profile) names sso_session \(session), which \(files.configFile) does not have")
            }
            settings.merge(section) { own, _ in own }
            sessionName = session
        }
        func required(_ key: String) throws -> String {
            guard let value = settings[key], !value.isEmpty else { throw PullError("profile \(profile) uses IAM Identity Center but has no \(key)") }
            return value
        }
        startURL = try required("sso_start_url")
        region = try required("sso_region")
        accountID = try required("sso_account_id")
        roleName = try required("sso_role_name")
        endpoint = try endpoints.url(.sso, region: region)
        tokenCacheFolder = (environment["HOME"] ?? NSHomeDirectory()) + "/.aws/sso/cache"
    }

    /// The cache file of the token: SHA-1 of the session name, else of the start URL.
    var tokenFile: String { tokenCacheFolder + "/" + SHA1.hex(of: Array((sessionName ?? startURL).utf8)) + ".json" }

    /// The role's credentials for the cached token.
    package func resolve() throws -> AWSCredentials {
        let login = "run `aws sso login --profile \(profile)` and pull again"
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw PullError("profile \(profile): no IAM Identity Center token in the AWS CLI's cache (\(tokenFile)): \(login)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let token = object["accessToken"] as? String, let expiresText = object["expiresAt"] as? String
        else { throw PullError("profile \(profile): the cached IAM Identity Center token \(tokenFile) has no accessToken and expiresAt: \(login)") }
        guard let expires = Instant(parsing: expiresText), expires > .now else {
            throw PullError("profile \(profile): the IAM Identity Center token has expired: \(login)")
        }
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        let prefix = components?.percentEncodedPath ?? ""
        components?.percentEncodedPath = (prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix) + "/federation/credentials"
        components?.percentEncodedQuery = "role_name=\(SigV4.uriEncode(roleName, keepSlash: false))&account_id=\(SigV4.uriEncode(accountID, keepSlash: false))"
        guard let url = components?.url else { throw PullError("cannot make the IAM Identity Center URL of \(endpoint.absoluteString)") }
        var request = URLRequest(url: url)
        request.setValue(token, forHTTPHeaderField: "x-amz-sso_bearer_token")
        let response: HTTPResponse
        do {
            response = try http.send(request, secrets: [token])
        } catch {
            throw PullError("IAM Identity Center (\(endpoint.host ?? "")) did not answer GetRoleCredentials: \(error.description)")
        }
        guard response.status == 200 else {
            let hint = response.status == 401 || response.status == 403 ? ": \(login)" : ""
            throw PullError("IAM Identity Center refused GetRoleCredentials of \(roleName) in \(accountID): HTTP \(response.status) \(response.bodyPreview)\(hint)")
        }
        guard let answer = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let role = answer["roleCredentials"] as? [String: Any],
              let key = role["accessKeyId"] as? String, let secret = role["secretAccessKey"] as? String,
              let session = role["sessionToken"] as? String, let milliseconds = (role["expiration"] as? NSNumber)?.int64Value
        else { throw PullError("IAM Identity Center answered GetRoleCredentials without roleCredentials") }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: session,
            expiration: Instant(microsecondsSinceEpoch: milliseconds * 1000), source: "IAM Identity Center role \(roleName) in \(accountID) (profile \(profile))")
    }
}

import AuditTime
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The two AWS STS calls that turn one identity into another: `AssumeRole` (signed with the
/// source credentials) and `AssumeRoleWithWebIdentity` (unsigned: the web identity token is
/// the proof).
///
/// Shapes from botocore's model (`botocore/data/sts/2011-06-15/service-2.json`): protocol
/// `query` (a form-encoded `POST /` with `Action` and `Version=2011-06-15`), XML answers in
/// the namespace `https://sts.amazonaws.com/doc/2011-06-15/` wrapped in
/// `<AssumeRoleResult>` / `<AssumeRoleWithWebIdentityResult>`, whose `Credentials` hold
/// `AccessKeyId`, `SecretAccessKey`, `SessionToken`, `Expiration` (all required);
/// `DurationSeconds` 900 to 43200. Errors are `<ErrorResponse><Error><Code>` and `<Message>`
/// (botocore's `QueryParser`).
package struct STSClient: Sendable {
    package var endpoint: URL
    /// The region signed for (`us-east-1` for the global endpoint).
    package var region: String
    package var http = HTTPClient(timeout: 30)
    package var backoff = Backoff(attempts: 5)

    package init(endpoint: URL, region: String) {
        self.endpoint = endpoint
        self.region = region
    }

    /// What `AssumeRole` takes besides the role (botocore's `role_session_name`,
    /// `external_id`, `duration_seconds` profile settings).
    package struct RoleOptions: Sendable {
        package var sessionName: String
        package var externalID: String?
        package var durationSeconds: Int?

        package init(sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil) {
            self.sessionName = sessionName
            self.externalID = externalID
            self.durationSeconds = durationSeconds
        }
    }

    /// Temporary credentials of `roleARN`, asked for with `source`'s.
    package func assumeRole(_ roleARN: String, options: RoleOptions, with source: AWSCredentials) throws -> AWSCredentials {
        var parameters = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleARN), ("RoleSessionName", options.sessionName)]
        if let externalID = options.externalID { parameters.append(("ExternalId", externalID)) }
        if let duration = options.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        let fields = try call(parameters, signedWith: source, action: "AssumeRole of \(roleARN)", secrets: [])
        return try credentials(from: fields, source: "role \(roleARN) (AssumeRole)")
    }

    /// Temporary credentials of `roleARN` for the web identity token `token`.
    package func assumeRoleWithWebIdentity(_ roleARN: String, sessionName: String, token: String) throws -> AWSCredentials {
        let parameters = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ]
        let fields = try call(parameters, signedWith: nil, action: "AssumeRoleWithWebIdentity of \(roleARN)", secrets: [token])
        return try credentials(from: fields, source: "role \(roleARN) (web identity)")
    }

    private func credentials(from fields: [String: String], source: String) throws -> AWSCredentials {
        guard let key = fields["AccessKeyId"], let secret = fields["SecretAccessKey"], let token = fields["SessionToken"],
              let expirationText = fields["Expiration"], let expiration = Instant(parsing: expirationText)
        else { throw PullError("STS answered \(source) without AccessKeyId, SecretAccessKey, SessionToken and Expiration") }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token, expiration: expiration, source: source)
    }

    /// One query-protocol call, retried while STS throttles or fails on its side: the answer's
    /// leaf elements by name.
    func call(_ parameters: [(String, String)], signedWith source: AWSCredentials?, action: String, secrets: [String]) throws -> [String: String] {
        let body = Array(parameters.map { SigV4.uriEncode($0.0, keepSlash: false) + "=" + SigV4.uriEncode($0.1, keepSlash: false) }
            .joined(separator: "&").utf8)
        guard let host = endpoint.host else { throw PullError("the STS endpoint \(endpoint.absoluteString) has no host") }
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        let path = endpoint.path.isEmpty ? "/" : endpoint.path
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        var attempt = 1
        while true {
            var request = URLRequest(url: endpoint)
            request.httpMethod = "POST"
            request.httpBody = Data(body)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            if let source {
                var signed = SigV4Request(
                    method: "POST", path: path, headers: [(name: "Host", value: hostHeader), (name: "Content-Type", value: contentType)], body: body)
                let authorization = SigV4.sign(&signed, credentials: source, at: .now, region: region, service: "sts")
                for header in signed.headers where header.name != "Host" && header.name != "Content-Type" {
                    request.setValue(header.value, forHTTPHeaderField: header.name)
                }
                request.setValue(authorization, forHTTPHeaderField: "Authorization")
            }
            let response: HTTPResponse
            do throws(NetworkError) {
                response = try http.send(request, secrets: secrets)
            } catch {
                if error.isFinal { throw PullError("STS \(action): \(error.description)", endsThePull: true) }
                guard let delay = backoff.delay(after: attempt) else { throw PullError("STS still failed \(action) after \(attempt) tries (\(error.description))") }
                Backoff.sleep(delay)
                attempt += 1
                continue
            }
            let fields = STSAnswer.fields(of: response.body)
            if response.status == 200 { return fields }
            let code = fields["Code"] ?? "HTTP \(response.status)"
            let message = fields["Message"].map(response.redacted) ?? response.bodyPreview
            guard Self.throttlingCodes.contains(code) || response.status >= 500 else {
                throw PullError("STS refused \(action): \(code): \(message)" + Self.hint(for: code))
            }
            let problem = "\(code): \(message)"
            guard let delay = backoff.delay(after: attempt) else { throw PullError("STS still failed \(action) after \(attempt) tries (\(problem))") }
            Backoff.sleep(delay)
            attempt += 1
        }
    }

    /// Codes that mean "slow down", as botocore's standard retry mode lists them
    /// (`botocore/retries/standard.py`, `_THROTTLED_ERROR_CODES`; STS answers `Throttling`).
    static let throttlingCodes: Set<String> = ["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"]

    /// What to do about an error code (codes from the STS model's error shapes).
    static func hint(for code: String) -> String {
        switch code {
        case "AccessDenied":
            return " (the source identity needs sts:AssumeRole on the role, and the role's trust policy must name it)"
        case "InvalidIdentityToken", "ExpiredTokenException", "IDPRejectedClaim":
            return " (the web identity token was refused: check the role's trust policy for this identity provider and audience)"
        case "RegionDisabledException":
            return " (activate STS in this region in IAM's account settings, or use another region)"
        default:
            return ""
        }
    }
}

/// The text of every leaf element of an STS XML answer, by element name (the first of each
/// name): `AccessKeyId`, `Expiration`, `Code`, `Message`, ... Foundation's XML parser.
package enum STSAnswer {
    package static func fields(of data: Data) -> [String: String] {
        let collector = Collector()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        _ = parser.parse()
        return collector.fields
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var fields: [String: String] = [:]
        private var text = ""
        private var hasChild = false

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            text = ""
            hasChild = false
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if !hasChild, fields[name] == nil { fields[name] = text.trimmingCharacters(in: .whitespacesAndNewlines) }
            hasChild = true
            text = ""
        }
    }
}

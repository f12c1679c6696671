import AuditModel
import AuditTime
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The few Amazon Connect API calls a pull makes, signed with SigV4, retried when throttled.
///
/// Paths, query names and error shapes from botocore's service model
/// (`botocore/data/connect/2017-08-08/service-2.json`: protocol `rest-json`, signing name
/// `connect`; `ThrottlingException` and `TooManyRequestsException` are HTTP 429,
/// `InternalServiceException` 500; errors carry `Message`) and its paginators (`NextToken`
/// in, `NextToken` out, `MaxResults` as `maxResults`). The error's type is read as botocore's
/// rest-json parser reads it (`botocore/parsers.py`, `_inject_error_code`: the
/// `x-amzn-ErrorType` header up to `:`, after the last `#`). Errors common to all services
/// (AWS "Common Errors", e.g. docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html):
/// `ExpiredTokenException`, `IncompleteSignature`, `UnrecognizedClientException`, all HTTP 403;
/// `InvalidSignatureException` with "The request signature we calculated does not match" is
/// what JSON services answer a bad signature with (as reported in aws/aws-sdk-js issue #168).
package struct ConnectClient: Sendable {
    /// The account read (its id, or `default` for the credentials the pull runs as).
    package var account: String
    package var region: String
    /// `https://connect.<region>.amazonaws.com`, or a configured endpoint.
    package var endpoint: URL
    package var credentials: RefreshingCredentials
    /// One bucket per (account, region, API).
    package var quotas: QuotaBuckets
    package var backoff: Backoff
    package var http = HTTPClient(timeout: 60)
    package var counter: RequestCounter

    /// The calls a pull makes, by their API names (the quotas' unit).
    package enum Operation: String, Sendable {
        case listInstances = "ListInstances"
        case listSecurityProfiles = "ListSecurityProfiles"
        case describeSecurityProfile = "DescribeSecurityProfile"
        case listSecurityProfilePermissions = "ListSecurityProfilePermissions"
        case listSecurityProfileApplications = "ListSecurityProfileApplications"
        /// `POST /search-users` (`SearchUsersRequest`: `InstanceId`, `MaxResults` 1 to 500,
        /// `NextToken`; answer `Users`, `NextToken`).
        case searchUsers = "SearchUsers"
    }

    /// The (account, region) this client reads, as the counter names it.
    package var scope: RequestCounter.Scope { RequestCounter.Scope(account: account, region: region) }

    /// One GET: the answer's JSON object.
    package func get(_ operation: Operation, _ segments: [String], query: [(String, String)] = []) throws -> [String: Any] {
        try send("GET", operation, segments, query: query, body: nil)
    }

    /// One POST of a JSON body (rest-json, as botocore sends it): the answer's JSON object.
    package func post(_ operation: Operation, _ segments: [String], body: [String: Any]) throws -> [String: Any] {
        try send("POST", operation, segments, query: [], body: Array(CanonicalJSON.text(body).utf8))
    }

    /// One signed request, retried when throttled or failed on the server's side.
    private func send(
        _ method: String, _ operation: Operation, _ segments: [String], query: [(String, String)], body: [UInt8]?
    ) throws -> [String: Any] {
        // The endpoint's own path (a proxy's prefix) is part of the path signed, as botocore signs it.
        let prefix = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        let path = (prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
            + "/" + segments.map { SigV4.uriEncode($0, keepSlash: false) }.joined(separator: "/")
        let queryText = query.map { SigV4.uriEncode($0.0, keepSlash: false) + "=" + SigV4.uriEncode($0.1, keepSlash: false) }.joined(separator: "&")
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        components?.percentEncodedPath = path
        components?.percentEncodedQuery = queryText.isEmpty ? nil : queryText
        guard let url = components?.url, let host = endpoint.host else {
            throw PullError("cannot make a URL of \(endpoint.absoluteString) and \(path)")
        }
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        var attempt = 1
        var refreshed = false
        var lastProblem = ""
        let bucket = "\(account)|\(region)|\(operation.rawValue)"
        while true {
            quotas.acquire(bucket)
            counter.count(scope, retry: attempt > 1)
            let current = try credentials.credentials()
            var headers = [(name: "Host", value: hostHeader)]
            if body != nil { headers.append((name: "Content-Type", value: "application/json")) }
            var signed = SigV4Request(method: method, path: path, query: queryText, headers: headers, body: body ?? [])
            let authorization = SigV4.sign(&signed, credentials: current, at: .now, region: region, service: "connect")
            var request = URLRequest(url: url)
            request.httpMethod = method
            if let body { request.httpBody = Data(body) }
            for header in signed.headers where header.name != "Host" { request.setValue(header.value, forHTTPHeaderField: header.name) }
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            let problem: String
            let answer: HTTPResponse?
            do throws(NetworkError) {
                answer = try http.send(request)
                problem = ""
            } catch {
                if error.isFinal {
                    throw PullError("Amazon Connect \(method) \(path) in \(region): \(error.description); nothing was written", endsThePull: true)
                }
                answer = nil
                problem = "no response: \(error.description)"
            }
            if let response = answer {
                if (200..<300).contains(response.status) {
                    quotas.succeeded(bucket)
                    guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
                        throw PullError("Amazon Connect answered \(path) with something that is not a JSON object: \(response.bodyPreview)")
                    }
                    return object
                }
                let (type, message) = Self.error(of: response)
                if type == "ExpiredTokenException" && !refreshed {
                    refreshed = true  // temporary credentials expired early: resolve them again, once
                    try credentials.refreshNow()
                    continue
                }
                let throttled = response.status == 429 || type == "ThrottlingException" || type == "TooManyRequestsException"
                if throttled {
                    quotas.throttled(bucket)
                    counter.throttled(scope)
                }
                let retryable = throttled || response.status >= 500
                guard retryable else {
                    throw PullError("Amazon Connect refused \(method) \(path) in \(region)\(accountText): HTTP \(response.status) \(type): \(message)" + Self.hint(for: type))
                }
                lastProblem = "HTTP \(response.status) \(type): \(message)"
            } else {
                lastProblem = problem
            }
            guard let delay = backoff.delay(after: attempt) else {
                throw PullError("Amazon Connect still failed \(method) \(path) in \(region)\(accountText) after \(attempt) tries (\(lastProblem)); nothing was written")
            }
            Backoff.sleep(delay)
            attempt += 1
        }
    }

    private var accountText: String { account == RequestCounter.Scope.defaultAccount ? "" : " of account \(account)" }

    /// The most pages one listing is followed for: a service that hands out new tokens
    /// forever is refused, not followed without end.
    package static let maxPages = 10_000

    /// Every item under `resultKey` across the pages of a paginated call.
    package func all(_ operation: Operation, _ segments: [String], resultKey: String, pageSize: Int) throws -> [Any] {
        var items: [Any] = []
        var token: String?
        var seen = Set<String>()
        repeat {
            var query = [("maxResults", String(pageSize))]
            if let token { query.append(("nextToken", token)) }
            let page = try get(operation, segments, query: query)
            items += page[resultKey] as? [Any] ?? []
            token = (page["NextToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            if token != nil, seen.count >= Self.maxPages {
                throw PullError("Amazon Connect still had a NextToken after \(Self.maxPages) pages of \(segments.joined(separator: "/")): stopping rather than paging forever; nothing was written")
            }
            if let token, !seen.insert(token).inserted {
                throw PullError("Amazon Connect returned the same NextToken twice for \(segments.joined(separator: "/")): stopping rather than looping")
            }
        } while token != nil
        return items
    }

    /// The error's type (`x-amzn-ErrorType` up to `:`, or the body's `__type`) and message.
    static func error(of response: HTTPResponse) -> (type: String, message: String) {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        let header = response.header("x-amzn-ErrorType").map { String($0.prefix { $0 != ":" }) }
        let body = (object["__type"] as? String).map { String($0.split(separator: "#").last ?? "") }
        let message = (object["Message"] as? String ?? object["message"] as? String).map(response.redacted) ?? response.bodyPreview
        return (header ?? body ?? "Error", message)
    }

    /// What to do about an error type.
    static func hint(for type: String) -> String {
        switch type {
        case "InvalidSignatureException", "UnrecognizedClientException", "IncompleteSignature", "IncompleteSignatureException":
            return " (check the credentials: the key id, its secret, and the session token of temporary ones)"
        case "AccessDeniedException":
            return " (the credentials need connect:ListInstances, connect:ListSecurityProfiles, connect:DescribeSecurityProfile, connect:ListSecurityProfilePermissions and connect:ListSecurityProfileApplications)"
        default:
            return ""
        }
    }
}

/// Requests, retries and throttling answers of a pull, per (account, region), with the
/// time from each one's first request to its last answer.
package final class RequestCounter: Sendable {
    /// An account and region of a pull.
    package struct Scope: Hashable, Sendable, Comparable {
        package var account: String
        package var region: String

        /// The account of a pull without `--account`: whatever the credentials belong to.
        package static let defaultAccount = "default"

        package init(account: String, region: String) {
            self.account = account
            self.region = region
        }

        package static func < (a: Scope, b: Scope) -> Bool { (a.account, a.region) < (b.account, b.region) }
    }

    /// What one scope's requests came to.
    package struct Tally: Sendable, Equatable {
        package var requests = 0
        package var retries = 0
        package var throttles = 0
        package var seconds = 0.0
    }

    private let tallies = Mutex<[Scope: (tally: Tally, first: ContinuousClock.Instant)]>([:])

    package init() {}

    func count(_ scope: Scope, retry: Bool) {
        tallies.withLock { tallies in
            let now = ContinuousClock.now
            var entry = tallies[scope] ?? (Tally(), now)
            entry.tally.requests += 1
            if retry { entry.tally.retries += 1 }
            entry.tally.seconds = (now - entry.first).inSeconds
            tallies[scope] = entry
        }
    }

    func throttled(_ scope: Scope) {
        tallies.withLock { tallies in
            guard var entry = tallies[scope] else { return }
            entry.tally.throttles += 1
            entry.tally.seconds = (ContinuousClock.now - entry.first).inSeconds
            tallies[scope] = entry
        }
    }

    /// Each scope's tally.
    package var byScope: [Scope: Tally] { tallies.withLock { $0.mapValues(\.tally) } }

    /// (requests, retries, throttles) over every scope.
    package var totals: (requests: Int, retries: Int, throttles: Int) {
        byScope.values.reduce((0, 0, 0)) { ($0.0 + $1.requests, $0.1 + $1.retries, $0.2 + $1.throttles) }
    }
}

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
    package var region: String
    /// `https://connect.<region>.amazonaws.com`, or the `--endpoint-url`.
    package var endpoint: URL
    package var credentials: RefreshingCredentials
    package var limiter: RateLimiter
    package var backoff: Backoff
    package var http = HTTPClient(timeout: 60)
    package var counter: RequestCounter

    /// The public endpoint of a region.
    package static func endpoint(region: String) -> URL? {
        guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return nil }
        return URL(string: "https://connect.\(region).amazonaws.com")
    }

    /// One GET: the answer's JSON object.
    package func get(_ segments: [String], query: [(String, String)] = []) throws -> [String: Any] {
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
        while true {
            limiter.acquire()
            counter.count(retry: attempt > 1)
            let current = try credentials.credentials()
            var signed = SigV4Request(method: "GET", path: path, query: queryText, headers: [(name: "Host", value: hostHeader)])
            let authorization = SigV4.sign(&signed, credentials: current, at: .now, region: region, service: "connect")
            var request = URLRequest(url: url)
            request.httpMethod = "GET"
            for header in signed.headers where header.name != "Host" { request.setValue(header.value, forHTTPHeaderField: header.name) }
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            let problem: String
            let answer: HTTPResponse?
            do throws(NetworkError) {
                answer = try http.send(request)
                problem = ""
            } catch {
                if error.isFinal { throw PullError("Amazon Connect GET \(path) in \(region): \(error.description); nothing was written") }
                answer = nil
                problem = "no response: \(error.description)"
            }
            if let response = answer {
                if (200..<300).contains(response.status) {
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
                let retryable = response.status == 429 || response.status >= 500 || type == "ThrottlingException" || type == "TooManyRequestsException"
                guard retryable else {
                    throw PullError("Amazon Connect refused GET \(path) in \(region): HTTP \(response.status) \(type): \(message)" + Self.hint(for: type))
                }
                lastProblem = "HTTP \(response.status) \(type): \(message)"
            } else {
                lastProblem = problem
            }
            guard let delay = backoff.delay(after: attempt) else {
                throw PullError("Amazon Connect still failed GET \(path) in \(region) after \(attempt) tries (\(lastProblem)); nothing was written")
            }
            Backoff.sleep(delay)
            attempt += 1
        }
    }

    /// The most pages one listing is followed for: a service that hands out new tokens
    /// forever is refused, not followed without end.
    package static let maxPages = 10_000

    /// Every item under `resultKey` across the pages of a paginated call.
    package func all(_ segments: [String], resultKey: String, pageSize: Int) throws -> [Any] {
        var items: [Any] = []
        var token: String?
        var seen = Set<String>()
        repeat {
            var query = [("maxResults", String(pageSize))]
            if let token { query.append(("nextToken", token)) }
            let page = try get(segments, query: query)
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

/// Requests and retries made by a pull's workers.
package final class RequestCounter: Sendable {
    private let counts = Mutex((requests: 0, retries: 0))

    package init() {}

    func count(retry: Bool) {
        counts.withLock { counts in
            counts.requests += 1
            if retry { counts.retries += 1 }
        }
    }

    /// (requests, retries) so far.
    package var totals: (requests: Int, retries: Int) { counts.withLock { $0 } }
}

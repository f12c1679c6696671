import AuditModel
import AuditTime
import Foundation

/// AWS credentials: a key pair, with a session token and an expiry when temporary.
package struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    package var accessKeyID: String
    package var secretAccessKey: String
    package var sessionToken: String?
    /// When temporary credentials stop working.
    package var expiration: Instant?
    /// Where they came from (`environment`, `shared files (profile x)`, ...), for messages.
    package var source: String

    package init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Instant? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// Never the secret or the token.
    package var description: String { "credentials \(accessKeyID) from \(source)" }
}

/// One HTTP request as SigV4 sees it: the path and query exactly as they go on the wire.
package struct SigV4Request: Sendable {
    package var method: String
    /// The path as sent (`/security-profiles/i-1/p-1`); encoded once more when signed.
    package var path: String
    /// The query as sent, without `?` (`maxResults=1000&nextToken=...`), or empty.
    package var query: String
    /// Headers to sign, in any order; repeated names are joined with commas.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// AWS Signature Version 4 ("Create a signed AWS API request" in the IAM user guide, and
/// AWS's SigV4 test suite, whose vectors the tests check): canonical request, string to
/// sign, signing key derived by HMAC-SHA256 chain, `Authorization` header. HMAC and
/// SHA-256 come from libcrypto.
package enum SigV4 {
    package static let algorithm = "AWS4-HMAC-SHA256"

    /// `YYYYMMDDTHHMMSSZ`, the form of `X-Amz-Date`.
    package static func amzDate(_ instant: Instant) -> String {
        let iso = instant.iso8601  // YYYY-MM-DDTHH:MM:SS.ffffffZ
        let digits = iso.prefix(19).filter { $0 != "-" && $0 != ":" }
        return digits + "Z"
    }

    /// The canonical request and its signed header names (`host;x-amz-date`).
    package static func canonicalRequest(_ request: SigV4Request) -> (text: String, signedHeaders: String) {
        var grouped: [String: [String]] = [:]
        for header in request.headers {
            grouped[header.name.lowercased(), default: []].append(trimmed(header.value))
        }
        let names = grouped.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let text = [
            request.method.uppercased(),
            uriEncode(request.path.isEmpty ? "/" : request.path, keepSlash: true),
            canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            SHA256.hex(of: request.body),
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// `date/region/service/aws4_request`.
    package static func scope(date: String, region: String, service: String) -> String {
        "\(date.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The string to sign for a canonical request.
    package static func stringToSign(canonicalRequest: String, amzDate: String, region: String, service: String) -> String {
        [algorithm, amzDate, scope(date: amzDate, region: region, service: service), SHA256.hex(of: canonicalRequest)].joined(separator: "\n")
    }

    /// The derived signing key: HMAC chain over date, region, service, `aws4_request`.
    package static func signingKey(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let dateKey = HMACSHA256.mac(key: Array(("AWS4" + secret).utf8), String(date.prefix(8)))
        let regionKey = HMACSHA256.mac(key: dateKey, region)
        let serviceKey = HMACSHA256.mac(key: regionKey, service)
        return HMACSHA256.mac(key: serviceKey, "aws4_request")
    }

    /// The `Authorization` header's value for `request`, which must already hold every
    /// header to sign (`host`, `x-amz-date`, and `x-amz-security-token` when there is one).
    package static func authorization(
        _ request: SigV4Request, credentials: AWSCredentials, amzDate: String, region: String, service: String
    ) -> String {
        let (canonical, signedHeaders) = canonicalRequest(request)
        let toSign = stringToSign(canonicalRequest: canonical, amzDate: amzDate, region: region, service: service)
        let key = signingKey(secret: credentials.secretAccessKey, date: amzDate, region: region, service: service)
        let signature = HMACSHA256.mac(key: key, toSign).withUnsafeBytes { SHA256.hex($0) }
        return "\(algorithm) Credential=\(credentials.accessKeyID)/\(scope(date: amzDate, region: region, service: service)), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// Signs `request` at `instant`: adds `X-Amz-Date` (and `X-Amz-Security-Token` for
    /// temporary credentials) to its headers, signed, and returns the `Authorization` value.
    package static func sign(
        _ request: inout SigV4Request, credentials: AWSCredentials, at instant: Instant, region: String, service: String
    ) -> String {
        let date = amzDate(instant)
        request.headers.append((name: "X-Amz-Date", value: date))
        if let token = credentials.sessionToken { request.headers.append((name: "X-Amz-Security-Token", value: token)) }
        return authorization(request, credentials: credentials, amzDate: date, region: region, service: service)
    }

    /// RFC 3986 percent-encoding as SigV4 asks: every byte but `A-Z a-z 0-9 - . _ ~` (and `/`
    /// when `keepSlash`) as `%XX`, upper-case hex.
    package static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out += "/"
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0f, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The canonical query: each name and value decoded then encoded, sorted by name and value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (uriEncode(name, keepSlash: false), uriEncode(value, keepSlash: false))
        }
        return pairs.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A header value with leading and trailing space removed and inner runs of space as one.
    static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

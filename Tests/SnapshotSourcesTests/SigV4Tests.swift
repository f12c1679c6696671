import AuditTime
import Foundation
import SnapshotSources
import Testing
import TestSupport

@Suite("AWS Signature Version 4, against AWS's own test suite")
struct SigV4Tests {
    static let folder = StandInServer.root.appendingPathComponent("Tests/SnapshotSourcesTests/Fixtures/sigv4")
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", source: "the test suite")

    /// The suite's cases: every `.req` with its expected outputs.
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".req") }.map { String($0.dropLast(4)) }.sorted()
    }()

    /// A `.req` file as a request: request line, headers (a continuation line is one more
    /// value of the header above it), a blank line, the body.
    static func request(_ name: String) throws -> SigV4Request {
        let text = try String(contentsOf: folder.appendingPathComponent(name + ".req"), encoding: .utf8)
        let (head, body) = text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) } ?? (text, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        var headers: [(name: String, value: String)] = []
        for line in lines {
            if line.first == " " || line.first == "\t", let last = headers.last {
                headers.append((name: last.name, value: line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((name: String(line[..<colon]), value: String(line[line.index(after: colon)...])))
            }
        }
        return SigV4Request(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
    }

    static func expected(_ name: String, _ suffix: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent("\(name).\(suffix)"), encoding: .utf8)
    }

    @Test("the suite is here: the 22 self-consistent cases copied")
    func suitePresent() {
        #expect(Self.cases.count == 22)
        #expect(Self.cases.contains("get-vanilla"))
        #expect(Self.cases.contains("post-sts-header-before"))
    }

    @Test("canonical request, string to sign and Authorization match the suite", arguments: cases)
    func vector(_ name: String) throws {
        let request = try Self.request(name)
        let amzDate = try #require(request.headers.first { $0.name.lowercased() == "x-amz-date" }?.value)
        let (canonical, _) = SigV4.canonicalRequest(request)
        #expect(canonical == (try Self.expected(name, "creq")), "\(name): canonical request")
        let toSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: amzDate, region: "us-east-1", service: "service")
        #expect(toSign == (try Self.expected(name, "sts")), "\(name): string to sign")
        let authorization = SigV4.authorization(request, credentials: Self.credentials, amzDate: amzDate, region: "us-east-1", service: "service")
        #expect(authorization == (try Self.expected(name, "authz")), "\(name): Authorization")
    }

    @Test("sign adds X-Amz-Date and the session token, both signed")
    func signAddsHeaders() throws {
        var request = SigV4Request(method: "GET", path: "/instance", query: "maxResults=10", headers: [(name: "Host", value: "connect.eu-west-1.amazonaws.com")])
        var temporary = Self.credentials
        temporary.sessionToken = "token-1"
        let instant = try #require(Instant(parsing: "2015-08-30T12:36:00Z"))
        let authorization = SigV4.sign(&request, credentials: temporary, at: instant, region: "eu-west-1", service: "connect")
        #expect(request.headers.contains { $0.name == "X-Amz-Date" && $0.value == "20150830T123600Z" })
        #expect(request.headers.contains { $0.name == "X-Amz-Security-Token" && $0.value == "token-1" })
        #expect(authorization.contains("Credential=AKIDEXAMPLE/20150830/eu-west-1/connect/aws4_request"))
        #expect(authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
        #expect(!authorization.contains(Self.credentials.secretAccessKey))
        #expect(!"\(temporary)".contains(Self.credentials.secretAccessKey) && !"\(temporary)".contains("token-1"))
    }
}

import Foundation
import SnapshotSources
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The one HTTP policy every outgoing request follows, against servers that misbehave on purpose.
/// Serialized: FoundationNetworking serves every session of a process from one work queue,
/// so the endless body's firehose would slow the other tests' requests while it lasts.
@Suite("HTTP policy", .serialized)
struct HTTPPolicyTests {
    static let script = "Tests/SnapshotSourcesTests/Fixtures/hostile_server.py"

    /// A request carrying every kind of secret this program sends.
    static func request(_ base: String, method: String = "GET") -> URLRequest {
        var request = URLRequest(url: URL(string: base + "/api/v2/ddsql/query/tabular")!)
        request.httpMethod = method
        request.setValue("AWS4-HMAC-SHA256 Credential=AKIDPOLICY/20261206/eu-west-1/connect/aws4_request, SignedHeaders=host;x-amz-date, Signature=5ecret5ignature0123456789abcdef", forHTTPHeaderField: "Authorization")
        request.setValue("session-token-value", forHTTPHeaderField: "X-Amz-Security-Token")
        request.setValue("dd-api-key-value", forHTTPHeaderField: "DD-API-KEY")
        request.setValue("dd-app-key-value", forHTTPHeaderField: "DD-APPLICATION-KEY")
        if method == "POST" { request.httpBody = Data(#"{"alert": 1}"#.utf8) }
        return request
    }

    static let secrets = ["AKIDPOLICY", "5ecret5ignature0123456789abcdef", "session-token-value", "dd-api-key-value", "dd-app-key-value"]

    @Test("no redirect is followed, to another host or not, on any 3xx: the other host hears nothing", arguments: [301, 302, 307, 308])
    func redirectsNotFollowed(status: Int) throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "ok"]) { (other: StandInServer) throws(any Error) in
            let location = "http://localhost:\(other.port)/collect?token=dd-api-key-value"
            try StandInServer.with(script: Self.script, behaviour: ["mode": "redirect", "status": status, "location": location]) { (server: StandInServer) throws(any Error) in
                for method in ["GET", "POST"] {
                    do throws(NetworkError) {
                        _ = try HTTPClient(timeout: 60).send(Self.request(server.base, method: method))
                        Issue.record("a \(status) was taken as an answer")
                    } catch {
                        #expect(error.kind == .refusedAnswer)
                        #expect(error.description.contains("127.0.0.1:\(server.port)"))
                        #expect(error.description.contains("redirect"))
                        #expect(!error.description.contains("dd-api-key-value"), "\(error.description)")
                    }
                }
                #expect(try server.requests().count == 2)
            }
            #expect(try other.requests().isEmpty)
        }
    }

    @Test("a server that trickles one byte at a time is cut at the request's total limit")
    func trickleCutAtTheTotalLimit() throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "trickle", "interval": 0.5]) { (server: StandInServer) throws(any Error) in
            let start = ContinuousClock.now
            do throws(NetworkError) {
                _ = try HTTPClient(timeout: 2).send(Self.request(server.base))
                Issue.record("a trickling answer was taken")
            } catch {
                #expect(error.kind == .noAnswer)
                #expect(error.description.contains("within its limit of 2 s"))
            }
            let elapsed = ContinuousClock.now - start
            // The trickle would never end. Generous: other suites' requests in this process share
            // FoundationNetworking's one work queue, and can delay a request's start.
            #expect(elapsed >= .seconds(2) && elapsed < .seconds(100), "\(elapsed)")
        }
    }

    @Test("the command's deadline bounds a request, however long its own limit")
    func commandDeadline() throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "trickle", "interval": 0.5]) { (server: StandInServer) throws(any Error) in
            let client = HTTPClient(timeout: 120, deadline: .now + .seconds(1.5))
            let start = ContinuousClock.now
            do throws(NetworkError) {
                _ = try client.send(Self.request(server.base))
                Issue.record("a trickling answer was taken")
            } catch {
                #expect(error.kind == .commandDeadline)
            }
            // Below the request's own limit of 120 s; generous for the reason above.
            #expect(ContinuousClock.now - start < .seconds(100))
            // Once the deadline has passed, nothing more is sent.
            let before = try server.requests().count
            #expect(throws: NetworkError.self) { try client.send(Self.request(server.base)) }
            #expect(try server.requests().count == before)
        }
    }

    @Test("an endless body is refused at the cap, not held")
    func endlessBodyRefused() throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "endless"]) { (server: StandInServer) throws(any Error) in
            do throws(NetworkError) {
                _ = try HTTPClient(timeout: 60, maxBodyBytes: 4 << 20).send(Self.request(server.base))
                Issue.record("an endless body was taken")
            } catch {
                #expect(error.kind == .refusedAnswer)
                #expect(error.description.contains("more than 4 MiB"))
            }
        }
    }

    @Test("a body that echoes the request's keys, signature and token is shown with them masked")
    func echoedSecretsMasked() throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "echo"]) { (server: StandInServer) throws(any Error) in
            let response = try HTTPClient(timeout: 60).send(Self.request(server.base))
            #expect(response.status == 400)
            let raw = String(decoding: response.body, as: UTF8.self)
            #expect(Self.secrets.allSatisfy(raw.contains), "the stand-in echoes them")
            for secret in Self.secrets {
                #expect(!response.bodyPreview.contains(secret), "\(secret)")
                #expect(!response.redacted(raw).contains(secret), "\(secret)")
            }
        }
    }
}

import AuditModel
import Foundation
import SnapshotReading
import Testing

@Suite("user exports: DDSQL rows and API users, every format, one error per problem")
struct UserExportTests {
    static let arn = "arn:aws:connect:eu-west-1:123456789012:instance/4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d/agent/u1"

    static func read(_ text: String, file: String = "users.ndjson") throws -> [ParsedUser] {
        try UserExport.read(Array(text.utf8), file: file)
    }

    static func issues(_ text: String, file: String = "users.ndjson") -> [SnapshotIssue] {
        do {
            _ = try read(text, file: file)
            return []
        } catch let error as SnapshotReadError {
            return error.issues
        } catch {
            return [SnapshotIssue(file: "?", line: 0, message: "\(error)")]
        }
    }

    @Test("the same user from DDSQL NDJSON, a JSON array, a SearchUsers answer and CSV reads the same; personal data is not kept")
    func everyFormat() throws {
        let ndjson = try Self.read("""
            {"_key":"\(Self.arn)","arn":"\(Self.arn)","id":"u1","username":"alice","security_profile_ids":["p2","p1"],"routing_profile_id":"r1","identity_info":{"first_name":"Alice","email":"alice@example.com"},"phone_config":{"desk_phone_number":"+441234567890"}}

            """)
        let array = try Self.read("""
            [
              {"Arn":"\(Self.arn)","Id":"u1","Username":"alice","SecurityProfileIds":["p1","p2"],"RoutingProfileId":"r1",
               "IdentityInfo":{"FirstName":"Alice"}}
            ]
            """, file: "users.json")
        let search = try Self.read("""
            {"Users":[{"Arn":"\(Self.arn)","Id":"u1","Username":"alice","SecurityProfileIds":["p1","p2"],"RoutingProfileId":"r1"}],"ApproximateTotalCount":1}
            """, file: "search.json")
        let csv = try Self.read("""
            _key,arn,id,username,security_profile_ids,routing_profile_id,identity_info
            \(Self.arn),\(Self.arn),u1,alice,"{p1,p2}",r1,"{""first_name"":""Alice""}"

            """, file: "users.csv")
        let csvJSONCell = try Self.read("""
            arn,id,username,security_profile_ids,routing_profile_id
            \(Self.arn),u1,alice,"[""p2"",""p1""]",r1
            """, file: "users.csv")
        for parsed in [ndjson, array, search, csv, csvJSONCell] {
            #expect(parsed.count == 1)
            #expect(parsed.first?.user == ConnectUser(
                key: Self.arn, username: "alice", id: "u1", arn: Self.arn, securityProfileIDs: ["p1", "p2"], routingProfileID: "r1"))
        }
        #expect(ndjson.first?.user.accountID == "123456789012")
        #expect(array.first?.line == 2 && csv.first?.line == 2 && ndjson.first?.line == 1)
        #expect(!String(describing: ndjson).contains("example.com") && !String(describing: ndjson).contains("+4412"))
    }

    @Test("a repeated user, a wrong type and a missing key are each refused with file, line and field")
    func refusals() {
        let issues = Self.issues("""
            {"_key":"a","username":"x","security_profile_ids":["p1"]}
            {"_key":"b","username":5}
            {"username":"nobody"}
            {"_key":"a","username":"again"}
            {"_key":"c","security_profile_ids":"p1"}
            {"_key":"d",,}
            """)
        #expect(issues.map(\.line) == [2, 3, 4, 5, 6])
        #expect(issues.map(\.field) == ["username", "_key", "_key", "security_profile_ids", nil])
        #expect(issues[2].message.contains("appears twice (first on line 1)"))
        #expect(issues[0].description.hasPrefix("users.ndjson:2: username: expected text"))
        #expect(issues[4].message.hasPrefix("invalid JSON") || issues[4].message.contains("comma"))
        #expect(Self.issues("").first?.message.contains("empty") == true)
        #expect(Self.issues("arn,username\nx,y,z\n", file: "u.csv").first?.line == 2)
    }

    @Test("a row whose bytes are an open version's is recognised, not decoded; its key still counts for repeats")
    func recognition() throws {
        let text = "{\"_key\":\"a\",\"username\":\"x\"}\n{\"_key\":\"b\",\"username\":\"y\"}\n"
        let first = try UserExport.read(Array(text.utf8), file: "n1.ndjson", open: .none)
        #expect(first.users.count == 2 && first.recognized.isEmpty)
        // "a" is open at position 1, behind another user; its row is recognised by its digest.
        let open = OpenUsers([
            OpenUser(key: "z", version: 1, contentHash: "h", rowDigest: nil, instance: "i", accountID: nil),
            OpenUser(key: "a", version: 3, contentHash: first.users[0].user.contentHash, rowDigest: first.users[0].rowDigest, instance: "i", accountID: nil),
        ])
        let second = try UserExport.read(Array((text + "{\"_key\":\"c\",\"username\":\"z\"}\n").utf8), file: "n2.ndjson", open: open)
        #expect(second.recognized == [RecognizedUser(position: 1, line: 1, rowDigest: first.users[0].rowDigest)])
        #expect(second.users.map(\.user.key) == ["b", "c"] && second.count == 3)
        // The same key recognised and decoded (its row edited and repeated), the same row
        // twice, and a new key twice: each refused, naming the first line.
        for (repeated, first) in [
            ("{\"_key\":\"a\",\"username\":\"x\"}\n{\"_key\":\"a\",\"username\":\"edited\"}\n", 1),
            ("{\"_key\":\"b\",\"username\":\"y\"}\n{\"_key\":\"a\",\"username\":\"x\"}\n{\"_key\":\"a\",\"username\":\"x\"}\n", 2),
            ("{\"_key\":\"n\",\"username\":\"x\"}\n{\"_key\":\"n\",\"username\":\"y\"}\n", 1),
        ] {
            let error = #expect(throws: SnapshotReadError.self) { try UserExport.read(Array(repeated.utf8), file: "n3.ndjson", open: open) }
            #expect(error?.issues.map(\.field) == ["_key"])
            #expect(error?.issues.first?.message.contains("first on line \(first)") == true)
        }
    }

    @Test("a user export is told from a profile export by its first record's keys")
    func detection() {
        #expect(UserExport.isUserExport(Array("{\"_key\":\"a\",\"username\":\"x\"}\n".utf8)))
        #expect(UserExport.isUserExport(Array("[\n {\"Username\":\"x\",\"SecurityProfileIds\":[\"p\"]}\n]".utf8)))
        #expect(UserExport.isUserExport(Array("_key,username,security_profile_ids\n".utf8)))
        #expect(!UserExport.isUserExport(Array("{\"_key\":\"a\",\"security_profile_name\":\"Admin\"}\n".utf8)))
        #expect(!UserExport.isUserExport(Array("_key,security_profile_name,permissions\n".utf8)))
        #expect(!UserExport.isUserExport(Array("{\"SecurityProfile\":{\"Id\":\"x\"},\"Permissions\":[]}\n".utf8)))
        #expect(!UserExport.isUserExport([]))
    }
}

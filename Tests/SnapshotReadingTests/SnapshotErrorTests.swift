import AuditCore
import AuditModel
import AuditTime
import SnapshotReading
import Testing

@Suite("input errors name file, line and field")
struct SnapshotErrorTests {
    @Test("invalid JSON on an NDJSON line")
    func invalidJSON() {
        let issues = Fixture.issues("{\"_key\": \"a\"}\n{\"_key\": \"b\",,}\n", name: "night.ndjson")
        #expect(issues.count == 1)
        #expect(issues.first?.file == "night.ndjson")
        #expect(issues.first?.line == 2)
        #expect(issues.first?.message.hasPrefix("invalid JSON") == true)
        #expect(issues.first?.description.hasPrefix("night.ndjson:2: invalid JSON") == true)
    }

    @Test("invalid JSON inside a JSON array names the element's line")
    func invalidJSONArray() {
        let issues = Fixture.issues("{\"data\": [\n  {\"_key\": \"a\"},\n  {\"_key\": tru}\n]}", name: "x.json", format: .json)
        #expect(issues.map(\.line) == [3])
        #expect(issues.first?.message.hasPrefix("invalid JSON") == true)
    }

    @Test("a wrong type names line and field")
    func wrongType() {
        let issues = Fixture.issues("{\"_key\": \"a\", \"tag_restricted_resources\": 5, \"security_profile_name\": [\"x\"]}\n", name: "t.ndjson")
        #expect(issues.map(\.line) == [1, 1])
        #expect(issues.compactMap(\.field).sorted() == ["security_profile_name", "tag_restricted_resources"])
        #expect(issues.contains { $0.message.contains("expected an array of strings, got a number") })
    }

    @Test("a bad timestamp names line and field, in CSV too")
    func badTimestamp() {
        let issues = Fixture.issues("_key,last_modified_time\nk1,2026-11-20T14:03:27Z\nk2,20/11/2026\n", name: "s.csv")
        #expect(issues.count == 1)
        #expect(issues.first?.line == 3)
        #expect(issues.first?.field == "last_modified_time")
        #expect(issues.first?.description.contains("s.csv:3: last_modified_time: expected an ISO-8601 timestamp") == true)
    }

    @Test("a missing _key is refused")
    func missingKey() {
        let issues = Fixture.issues("{\"_key\": \"a\"}\n{\"arn\": \"x\"}\n{\"_key\": \"\"}\n", name: "m.ndjson")
        #expect(issues.map(\.line) == [2, 3])
        #expect(issues.allSatisfy { $0.field == "_key" })
        let aws = Fixture.issues("{\"SecurityProfile\": {\"Id\": \"x\"}}", name: "a.json", format: .aws)
        #expect(aws.map(\.field) == ["Arn"])
    }

    @Test("a duplicate _key lists both lines")
    func duplicateKey() {
        let issues = Fixture.issues("_key,id\nk1,a\nk2,b\nk1,c\n", name: "d.csv")
        #expect(issues.count == 1)
        #expect(issues.first?.line == 4)
        #expect(issues.first?.field == "_key")
        #expect(issues.first?.message.contains("also at line 2") == true)
    }

    @Test("a duplicate _key across --parts names both files")
    func duplicateAcrossParts() {
        do {
            _ = try SnapshotAssembler.read([("p1.ndjson", Array("{\"_key\": \"k\"}\n".utf8)), ("p2.ndjson", Array("\n{\"_key\": \"k\"}\n".utf8))])
            Issue.record("a duplicate across parts must be refused")
        } catch {
            #expect(error.issues.map(\.description) == ["p2.ndjson:2: _key: duplicate _key k: also at p1.ndjson:1; a snapshot holds each profile once"])
        }
    }

    @Test("an empty file, or one with only a header, is an error", arguments: [
        ("", "e.ndjson"), ("\n\n", "e.ndjson"), ("_key,id\n", "e.csv"), ("[]", "e.json"), ("{\"data\": []}", "e.json"),
    ])
    func empty(text: String, name: String) {
        let issues = Fixture.issues(text, name: name)
        #expect(issues.count == 1)
        #expect(issues.first?.message.contains("no rows") == true)
    }

    @Test("CSV: an unclosed quote, a short row, a header without _key")
    func csvShapes() {
        #expect(Fixture.issues("_key,id\nk1,\"open\n", name: "q.csv").map(\.line) == [2])
        let short = Fixture.issues("_key,id,arn\nk1,a\n", name: "r.csv")
        #expect(short.map(\.line) == [2])
        #expect(short.first?.message.contains("expected 3 fields") == true)
        #expect(Fixture.issues("id,arn\na,b\n", name: "h.csv").contains { $0.line == 1 && $0.message.contains("no _key") })
        let stray = Fixture.issues("_key,id\nk1,\"a\"b\nk2,c\n", name: "s.csv")
        #expect(stray.map(\.line) == [2])
        #expect(stray.first?.message.contains("must be doubled") == true)
    }

    @Test("errors are collected up to 20, so one pass shows most of them")
    func collectsUpToTwenty() {
        let lines = (1...30).map { "{\"_key\": \"k\($0)\", \"last_modified_time\": \"bad\"}" }.joined(separator: "\n")
        do {
            _ = try Fixture.read(lines, name: "many.ndjson")
            Issue.record("bad timestamps must be refused")
        } catch {
            #expect(error.issues.count == 20)
            #expect(error.truncated)
            #expect(error.issues.map(\.line) == Array(1...20))
            #expect(error.description.contains("and more"))
        }
    }
}

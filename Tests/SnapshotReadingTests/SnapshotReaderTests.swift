import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading
import Testing

@Suite("snapshot readers")
struct SnapshotReaderTests {
    static let exampleKey = "arn:aws:connect:us-east-1:123456789012:instance/4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d/security-profile/0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"

    @Test("the same profile in all five formats reads to equal records and equal hashes")
    func fiveFormatsAgree() throws {
        let files = ["profile.ndjson", "profile.json", "profile.csv", "profile.aws.json", "profile.ddsql.json"]
        var profiles: [SecurityProfile] = []
        for file in files {
            let records = try SnapshotAssembler.read([(file, try Fixture.bytes(file))])
            #expect(records.count == 1, "\(file)")
            profiles.append(contentsOf: records.map(\.profile))
        }
        let expected = SecurityProfile(
            key: Self.exampleKey,
            accountID: "123456789012",
            allowedAccessControlHierarchyGroupID: "a1b2c3d4-0000-4000-8000-000000000001",
            allowedAccessControlTags: ["Region:EMEA", "Department:Support"],
            arn: Self.exampleKey,
            description: "Agents in EMEA support, \"tier 2\": may listen to recordings, not download",
            hierarchyRestrictedResources: ["User"],
            id: "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6",
            lastModifiedRegion: "us-east-1",
            lastModifiedTime: Instant(parsing: "2026-11-20T14:03:27.512Z"),
            organizationResourceID: "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d",
            securityProfileName: "Tier2 Agent – EMEA",
            tagRestrictedResources: ["User", "Queue", "RoutingProfile"],
            tags: ["team:cx", "env:prod", "cost-center:cc-1234"])
        for (file, profile) in zip(files, profiles) {
            #expect(profile == expected, "\(file)")
            #expect(profile.contentHash == expected.contentHash, "\(file)")
        }
        #expect(expected.allowedAccessControlTags == ["Department:Support", "Region:EMEA"])
        #expect(expected.lastModifiedTime?.microsecondsSinceEpoch == 1_795_183_407_512_000)
    }

    @Test("permissions beside the AWS profile are read, and change the hash")
    func permissionsChangeTheHash() throws {
        let plain = try SnapshotAssembler.read([("a.json", try Fixture.bytes("profile.aws.json"))])[0].profile
        let withPermissions = try SnapshotAssembler.read([("b.json", try Fixture.bytes("profile-with-permissions.aws.json"))])[0].profile
        #expect(withPermissions.permissions == ["BasicAgentAccess", "ListenCallRecordings", "OutboundCallAccess"])
        #expect(withPermissions.contentHash != plain.contentHash)
        var stripped = withPermissions
        stripped.permissions = []
        #expect(stripped == plain)
    }

    @Test("awkward values survive CSV: commas, quotes, backslashes, =>, newlines, non-ASCII")
    func awkwardCSV() throws {
        let csv = #"""
            _key,security_profile_name,description,tags,allowed_access_control_tags,tag_restricted_resources,last_modified_time
            k1,"Ops, ""night"" – Zürich","line one
            line two \ back\slash","team:cx,owner:ana maría","""k=>1""=>""v \""q\"" , x"", ""Region""=>NULL","{User,""Routing Profile"",""a\""b""}",2026-11-20T16:03:27+02:00
            k2,名前,,"[""a:1"",""b:2""]","{""Dept"":""Sales, EU""}","[""Queue""]",1795183407
            """#
        let records = try Fixture.read(csv, name: "awkward.csv")
        #expect(records.map(\.line) == [2, 4])
        let first = records[0].profile
        #expect(first.securityProfileName == "Ops, \"night\" – Zürich")
        #expect(first.description == "line one\nline two \\ back\\slash")
        #expect(first.tags == ["owner:ana maría", "team:cx"])
        #expect(first.allowedAccessControlTags == ["Region:", "k=>1:v \"q\" , x"])
        #expect(first.tagRestrictedResources == ["Routing Profile", "User", "a\"b"])
        #expect(first.lastModifiedTime == Instant(parsing: "2026-11-20T14:03:27Z"))
        let second = records[1].profile
        #expect(second.securityProfileName == "名前")
        #expect(second.description == nil)
        #expect(second.tags == ["a:1", "b:2"])
        #expect(second.allowedAccessControlTags == ["Dept:Sales, EU"])
        #expect(second.lastModifiedTime?.microsecondsSinceEpoch == 1_795_183_407_000_000)
    }

    @Test("k:v tag lists in CSV: spaces and tabs trimmed, empty pieces dropped, ASCII or not")
    func keyValueLists() throws {
        let csv = "_key,tags,allowed_access_control_tags\n"
            + "k1,\" a:1 ,\tb:2\t,,c:3 , \",\"é:1, x:2 ,\"\n"
            + "k2,\" , \",\"Dept:Sales,Region:EMEA\"\n"
        let records = try Fixture.read(csv, name: "tags.csv")
        #expect(Set(records[0].profile.tags) == ["a:1", "b:2", "c:3"])
        #expect(Set(records[0].profile.allowedAccessControlTags) == ["é:1", "x:2"])
        #expect(records[1].profile.tags.isEmpty)
        #expect(Set(records[1].profile.allowedAccessControlTags) == ["Dept:Sales", "Region:EMEA"])
    }

    @Test("awkward values survive NDJSON, with unknown fields kept in extra")
    func awkwardNDJSON() throws {
        let ndjson = #"""
            {"_key": "k1", "security_profile_name": "A \"quoted\", name\nwith newline – ✓", "tags": "env:prod,team:cx", "allowed_access_control_tags": "\"k\"=>\"v,w\"", "hierarchy_restricted_resources": "{User}", "last_modified_time": 1795183407.512, "applications": [{"Namespace": "x", "ApplicationPermissions": ["a"]}], "description": "", "id": null}

            {"_key": "k2", "description": "back\\slash => arrow", "tag_restricted_resources": ["User", "User", "Queue"], "last_modified_time": "2026-11-20 14:03:27.5125"}
            """#
        let records = try Fixture.read(ndjson, name: "a.ndjson")
        #expect(records.map(\.line) == [1, 3])
        let first = records[0].profile
        #expect(first.securityProfileName == "A \"quoted\", name\nwith newline – ✓")
        #expect(first.tags == ["env:prod", "team:cx"])
        #expect(first.allowedAccessControlTags == ["k:v,w"])
        #expect(first.hierarchyRestrictedResources == ["User"])
        #expect(first.lastModifiedTime?.microsecondsSinceEpoch == 1_795_183_407_512_000)
        #expect(first.description == nil && first.id == nil)
        #expect(first.extra.isEmpty)
        #expect(first.applications == ["x:a"])
        let second = records[1].profile
        #expect(second.description == "back\\slash => arrow")
        #expect(second.tagRestrictedResources == ["Queue", "User"])
        // Seven fractional digits round to the nearest microsecond.
        #expect(second.lastModifiedTime?.microsecondsSinceEpoch == 1_795_183_407_512_500)
    }

    @Test("AWS output: one object per line, an array, and a SecurityProfiles list")
    func awsShapes() throws {
        let one = #"{"SecurityProfile": {"Arn": "arn:aws:connect:eu-west-1:111122223333:instance/i-1/security-profile/p-1", "SecurityProfileName": "Admin", "LastModifiedTime": 1795183407.512}, "Permissions": ["Users.Edit"]}"#
        let two = #"{"SecurityProfile": {"Arn": "arn:aws:connect:eu-west-1:111122223333:instance/i-1/security-profile/p-2", "Tags": {"a": "b"}}}"#
        for text in [one + "\n" + two + "\n", "[" + one + ",\n" + two + "]", #"{"SecurityProfiles": ["# + one + "," + two + "]}"] {
            let records = try Fixture.read(text, name: "export.json", format: .aws)
            #expect(records.count == 2)
            #expect(records[0].profile.accountID == "111122223333")
            #expect(records[0].profile.key == records[0].profile.arn)
            #expect(records[0].profile.permissions == ["Users.Edit"])
            #expect(records[0].profile.instanceFromARN == "i-1")
            #expect(records[1].profile.tags == ["a:b"])
        }
    }

    @Test("several DDSQL pages are one snapshot")
    func ddsqlPages() throws {
        let page = try Fixture.bytes("profile.ddsql.json")
        let other = String(decoding: page, as: UTF8.self).replacingOccurrences(of: "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6", with: "99999999-4b5c-6d7e-8f90-a1b2c3d4e5f6")
        let records = try SnapshotAssembler.read([("page1.json", page), ("page2.json", Array(other.utf8))])
        #expect(records.count == 2)
        #expect(Set(records.map(\.file)) == ["page1.json", "page2.json"])
    }

    @Test("the format is detected from the name and the first bytes", arguments: [
        ("profile.ndjson", SnapshotFormat.ndjson), ("profile.json", .json), ("profile.csv", .csv),
        ("profile.aws.json", .aws), ("profile.ddsql.json", .ddsql), ("profile-with-permissions.aws.json", .aws),
    ])
    func detection(file: String, format: SnapshotFormat) throws {
        let bytes = try Fixture.bytes(file)
        #expect(SnapshotFormat.detect(fileName: file, prefix: bytes[...]) == format)
        #expect(SnapshotFormat.detect(fileName: "-", prefix: bytes[...]) == format)
    }

    @Test("timestamps: every form of DESIGN §1", arguments: [
        ("2026-11-20T14:03:27.512Z", Int64(1_795_183_407_512_000)),
        ("2026-11-20T14:03:27.512000+00:00", 1_795_183_407_512_000),
        ("2026-11-20T16:03:27.512+0200", 1_795_183_407_512_000),
        ("2026-11-20T09:03:27.512-05", 1_795_183_407_512_000),
        ("2026-11-20 14:03:27.512", 1_795_183_407_512_000),
        ("2026-11-20 14:03:27", 1_795_183_407_000_000),
        ("2026-11-20T14:03:27.5120004Z", 1_795_183_407_512_000),
        ("2026-11-20T14:03:27.9999996Z", 1_795_183_408_000_000),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2024-02-29", 1_709_164_800_000_000),
    ])
    func timestamps(text: String, micros: Int64) {
        #expect(Instant(parsing: text)?.microsecondsSinceEpoch == micros)
    }

    @Test("impossible timestamps are refused", arguments: [
        "2026-02-30T00:00:00Z", "2026-13-01", "2026-11-20T24:00:00Z", "2026-11-20T14:03", "20261120", "yesterday", "2026-11-20T14:03:27.Z",
    ])
    func badTimestamps(text: String) {
        #expect(Instant(parsing: text) == nil)
    }

    @Test("epoch seconds round to the nearest microsecond, never truncate")
    func epochRounding() {
        #expect(Instant(epochSeconds: 1_795_183_407.512)?.microsecondsSinceEpoch == 1_795_183_407_512_000)
        #expect(Instant(epochSeconds: 1_795_183_407.5129996)?.microsecondsSinceEpoch == 1_795_183_407_513_000)
        #expect(Instant(parsing: "2026-11-20T14:03:27.512Z")?.iso8601 == "2026-11-20T14:03:27.512000Z")
    }
}

@Suite("line endings and streaming")
struct StreamingTests {
    @Test("CRLF files read like LF files, in NDJSON and CSV")
    func crlf() throws {
        let ndjson = "{\"_key\": \"a\"}\r\n{\"_key\": \"b\"}\r\n"
        #expect(SnapshotFormat.detect(fileName: "-", prefix: Array(ndjson.utf8)[...]) == .ndjson)
        #expect(try Fixture.read(ndjson, name: "-").map(\.profile.key) == ["a", "b"])
        let csv = "_key,description\r\na,\"two\r\nlines\"\r\nb,x\r\n"
        let records = try Fixture.read(csv, name: "c.csv")
        #expect(records.map(\.profile.description) == ["two\r\nlines", "x"])
        #expect(records.map(\.line) == [2, 4])
    }

    @Test("chunks split anywhere give the same records as one buffer", arguments: [1, 7, 64, 4096])
    func chunked(size: Int) throws {
        for file in ["profile.ndjson", "profile.csv", "profile.json", "profile.aws.json", "profile.ddsql.json", "lines.aws.json"] {
            var bytes = try Fixture.bytes(file == "lines.aws.json" ? "profile.aws.json" : file)
            if file == "lines.aws.json" {
                // `pull aws`'s form: one object per line, read as the lines stream.
                let object = try JSONSerialization.jsonObject(with: Data(bytes))
                let line = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
                let arn = try #require((object as? [String: Any]).flatMap { ($0["SecurityProfile"] as? [String: Any])?["Arn"] as? String })
                bytes = Array((0..<300).map { line.replacingOccurrences(of: arn, with: arn + "-\($0)") }.joined(separator: "\n").utf8)
            }
            if file.hasSuffix(".ndjson") || file.hasSuffix(".csv") {
                // Many rows, so batches and records cross chunk boundaries.
                let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
                let header = file.hasSuffix(".csv") ? [String(lines[0])] : []
                let row = String(lines[file.hasSuffix(".csv") ? 1 : 0])
                let rows = (0..<300).map { row.replacingOccurrences(of: "0d1e2f3a", with: String(format: "%08x", $0)) }
                bytes = Array((header + rows).joined(separator: "\n").utf8)
            }
            let format = file == "lines.aws.json" ? .aws : SnapshotFormat.detect(fileName: file, prefix: bytes[...])
            var whole = SnapshotReader(format: format, file: file)
            whole.consume(bytes)
            let expected = whole.finish()
            var reader = SnapshotReader(format: format, file: file)
            var start = 0
            while start < bytes.count {
                reader.consume(Array(bytes[start..<min(bytes.count, start + size)]))
                start += size
            }
            let part = reader.finish()
            #expect(part.issues.isEmpty, "\(file): \(part.issues)")
            #expect(part.records == expected.records, "\(file) in chunks of \(size)")
            #expect(!part.records.isEmpty)
            if file == "lines.aws.json" { #expect(part.records.count == 300) }
        }
    }
}

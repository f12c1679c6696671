import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading
import Testing

/// Reads `bytes` as one file; the issues, or the records.
private func read(_ bytes: [UInt8], name: String, format: SnapshotFormat? = nil) -> Result<[ParsedRecord], SnapshotReadError> {
    Result { () throws(SnapshotReadError) in try SnapshotAssembler.read([(name, bytes)], format: format) }
}

private func issues(_ bytes: [UInt8], name: String, format: SnapshotFormat? = nil) -> [SnapshotIssue] {
    if case .failure(let error) = read(bytes, name: name, format: format) { return error.issues }
    return []
}

private let key = "arn:aws:connect:us-east-1:111122223333:instance/i-1/security-profile/p-1"

/// One NDJSON line holding `fields` (JSON text of each value) beside a `_key`.
private func line(_ fields: String = "") -> String {
    "{\"_key\": \"\(key)\"" + (fields.isEmpty ? "" : ", " + fields) + "}"
}

@Suite("hostile and careless input: refused with file and line, never committed, never a crash")
struct HostileInputTests {
    // MARK: silent loss

    @Test("content after a JSON document is refused, not ignored")
    func contentAfterDocument() {
        let twoDocuments = "{\"data\": [\(line()), {\"_key\": \"b\"}]}\n{\"data\": [{\"_key\": \"c\"}]}\n"
        let found = Fixture.issues(twoDocuments, name: "x.json", format: .json)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("content after the end of the document") == true)
        #expect(Fixture.issues("[\(line())] garbage {\"_key\": \"z\"}", name: "x.json", format: .json).first?.message
            .contains("content after the end") == true)
        #expect(!Fixture.issues("{\"SecurityProfile\": {\"Arn\": \"\(key)\"}} trailing", name: "x.json", format: .aws).isEmpty)
        #expect(!Fixture.issues("{\"data\": {\"attributes\": {\"columns\": []}}} {}", name: "x.json", format: .ddsql).isEmpty)
    }

    @Test("a key repeated in one object is refused, wherever it is and however it is spelled")
    func repeatedKeys() {
        let ndjson = line() + "\n" + "{\"_key\": \"a\", \"security_profile_name\": \"x\", \"_key\": \"b\"}\n"
        let found = Fixture.issues(ndjson, name: "n.ndjson")
        #expect(found.map(\.line) == [2])
        #expect(found.first?.message.contains("\"_key\" appears twice") == true)
        // An escape spells the same key.
        #expect(Fixture.issues("{\"_key\": \"a\", \"\\u005fkey\": \"b\"}\n", name: "n.ndjson").first?.message.contains("appears twice") == true)
        // Nested objects, and objects with many keys (checked with a set).
        #expect(!Fixture.issues(line("\"Tags\": {\"a\": \"1\", \"a\": \"2\"}") + "\n", name: "n.ndjson").isEmpty)
        let many = (0..<40).map { "\"x\($0)\": 1" }.joined(separator: ", ")
        #expect(Fixture.issues(line(many) + "\n", name: "n.ndjson").isEmpty)
        #expect(!Fixture.issues(line(many + ", \"x7\": 2") + "\n", name: "n.ndjson").isEmpty)
        // Two `data` members of a JSON wrapper.
        #expect(!Fixture.issues("{\"data\": [\(line())], \"data\": []}", name: "x.json", format: .json).isEmpty)
        // Keys in different objects may repeat.
        #expect(Fixture.issues("[\(line("\"Tags\": {\"_key\": \"1\"}"))]", name: "x.json", format: .json).isEmpty)
    }

    @Test("DDSQL columns named twice are refused")
    func duplicateColumns() {
        let document = """
            {"data": {"attributes": {"columns": [
              {"name": "_key", "type": "VARCHAR", "values": ["a"]},
              {"name": "_key", "type": "VARCHAR", "values": ["b"]}]}}}
            """
        let found = Fixture.issues(document, name: "d.json", format: .ddsql)
        #expect(found.first?.message.contains("appears twice") == true)
    }

    @Test("trailing commas are refused in arrays and objects")
    func trailingCommas() {
        #expect(Fixture.issues("[\(line()),]", name: "x.json", format: .json).first?.message.contains("trailing comma") == true)
        #expect(Fixture.issues("{\"_key\": \"a\",}\n", name: "n.ndjson").first?.message.contains("trailing comma") == true)
        #expect(!Fixture.issues(line("\"tags\": [\"a:1\",]") + "\n", name: "n.ndjson").isEmpty)
    }

    // MARK: poison

    @Test("instants PostgreSQL or the ISO writer cannot hold are refused with line and field", arguments: [
        "\"last_modified_time\": 1795183407512",  // epoch milliseconds where seconds are expected: year 58857
        "\"last_modified_time\": \"9999-12-31T23:59:59.9999999Z\"",  // rounds into the year 10000
        "\"last_modified_time\": \"0000-12-31T00:00:00Z\"",
        "\"last_modified_time\": \"0001-01-01T00:00:00+01:00\"",  // the offset moves it before year 1
        "\"last_modified_time\": 1e300",
        "\"last_modified_time\": true",  // a boolean once read as 1970
    ])
    func instantsOutOfRange(field: String) {
        let found = Fixture.issues(line() + "\n" + line(field).replacingOccurrences(of: "p-1", with: "p-2") + "\n", name: "n.ndjson")
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.field == "last_modified_time")
    }

    @Test("the edges of the valid range are accepted")
    func instantEdges() throws {
        let records = try Fixture.read(
            line("\"last_modified_time\": \"9999-12-31T23:59:59.999999Z\"") + "\n"
                + line("\"last_modified_time\": \"0001-01-01T00:00:00Z\"").replacingOccurrences(of: "p-1", with: "p-2") + "\n",
            name: "n.ndjson")
        #expect(records.map(\.profile.lastModifiedTime) == [Instant.validRange.upperBound, Instant.validRange.lowerBound])
        #expect(Instant.validRange.upperBound.iso8601 == "9999-12-31T23:59:59.999999Z")
        #expect(Instant.validRange.lowerBound.iso8601 == "0001-01-01T00:00:00.000000Z")
        #expect(Instant(parsing: "9999-12-31T23:59:59.9999999Z") == nil)
        #expect(Instant(epochMilliseconds: 9e15) == nil)
        #expect(Instant(epochSeconds: .infinity) == nil)
        #expect(Instant.validRange.upperBound.adding(microseconds: 1) == nil)
        #expect(Instant(microsecondsSinceEpoch: 0).adding(microseconds: .min) == nil)
    }

    @Test("DDSQL milliseconds past the range are refused")
    func ddsqlMilliseconds() {
        let document = """
            {"data": {"attributes": {"columns": [
              {"name": "_key", "type": "VARCHAR", "values": ["a", "b"]},
              {"name": "last_modified_time", "type": "TIMESTAMP", "values": [1795183407512, 9000000000000000]}]}}}
            """
        let found = Fixture.issues(document, name: "d.json", format: .ddsql)
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("row 2:") == true)
    }

    @Test("a NUL character is refused where it is read: JSON escape or CSV byte")
    func nul() {
        let found = Fixture.issues(line() + "\n" + "{\"_key\": \"b\", \"description\": \"a\\u0000b\"}\n", name: "n.ndjson")
        #expect(found.map(\.line) == [2])
        #expect(found.first?.message.contains("NUL") == true)
        #expect(!Fixture.issues("{\"_key\": \"b\", \"x\": {\"k\\u0000\": 1}}\n", name: "n.ndjson").isEmpty)
        let csv = Array("_key,description\na,ok\nb,x".utf8) + [0] + Array("y\n".utf8)
        let csvIssues = issues(csv, name: "n.csv")
        #expect(csvIssues.map(\.line) == [3])
        #expect(csvIssues.first?.message.contains("NUL") == true)
    }

    @Test("a _key or name longer than the index can hold, and a white-space _key, are refused")
    func keyShapes() {
        let long = String(repeating: "k", count: InputLimits.textBytes + 1)
        #expect(Fixture.issues("{\"_key\": \"\(long)\"}\n", name: "n.ndjson").first?.field == "_key")
        #expect(Fixture.issues(line("\"security_profile_name\": \"\(long)\"") + "\n", name: "n.ndjson").first?.field == "security_profile_name")
        #expect(Fixture.issues("{\"_key\": \" \\t \"}\n", name: "n.ndjson").first?.message.contains("white space") == true)
        #expect(Fixture.issues("_key,arn\n   ,x\n", name: "n.csv").first?.field == "_key")
        #expect(Fixture.issues("{\"_key\": \"\(String(repeating: "k", count: InputLimits.textBytes))\"}\n", name: "n.ndjson").isEmpty)
    }

    @Test("invalid UTF-8 in CSV is refused, as JSON refuses it, never stored as U+FFFD")
    func invalidUTF8() {
        let csv = Array("_key,security_profile_name\na,ok\nb,caf".utf8) + [0xE9] + Array("\n".utf8)
        let found = issues(csv, name: "n.csv")
        #expect(found.map(\.line) == [3])
        #expect(found.first?.message.contains("field 2 is not valid UTF-8") == true)
        // A cut 4-byte sequence is repaired into a U+FFFD of the same length: still refused.
        let cut = Array("_key,security_profile_name\na,ok\nb,x".utf8) + [0xF0, 0x9F, 0x98] + Array("y\n".utf8)
        #expect(issues(cut, name: "n.csv").first?.message.contains("field 2 is not valid UTF-8") == true)
        let emoji = Array("_key,security_profile_name\na,ok \u{1F600}\n".utf8)
        #expect(issues(emoji, name: "n.csv").isEmpty)
        let ndjson = Array("{\"_key\": \"caf".utf8) + [0xE9] + Array("\"}\n".utf8)
        #expect(!issues(ndjson, name: "n.ndjson").isEmpty)
    }

    // MARK: size

    @Test("an endless line (ingest /dev/zero) is refused at the record limit, and reading stops", arguments: [SnapshotFormat.ndjson, .csv])
    func endlessInput(format: SnapshotFormat) {
        var reader = SnapshotReader(format: format, file: "/dev/zero")
        let zeros = [UInt8](repeating: format == .csv ? UInt8(ascii: "a") : 0, count: 1 << 20)  // no line break ever
        var chunks = 0
        while reader.wantsMore, chunks < 2_000 {
            reader.consume(zeros)
            chunks += 1
        }
        #expect(!reader.wantsMore)
        #expect(chunks == InputLimits.recordBytes / zeros.count + 1)
        let part = reader.finish()
        #expect(part.records.isEmpty)
        #expect(part.issues.count == 1)
        #expect(part.issues.first?.message.contains("MiB") == true)
    }

    @Test("a record of 1,000 unknown fields is read whole; more are refused, in CSV headers and DDSQL columns too")
    func manyFields() throws {
        let fields = (0..<(InputLimits.fieldsPerRecord - 1)).map { "\"x\($0)\": \"v\($0)\"" }.joined(separator: ", ")
        let records = try Fixture.read(line(fields) + "\n", name: "n.ndjson")
        #expect(records.first?.profile.extra.count == InputLimits.fieldsPerRecord - 1)
        #expect(records.first?.profile.extra["x998"] == "\"v998\"")
        let tooMany = (0..<40_000).map { "\"x\($0)\": 1" }.joined(separator: ", ")
        #expect(Fixture.issues(line(tooMany) + "\n", name: "n.ndjson").first?.message.contains("fields") == true)
        let header = "_key," + (0..<100_000).map { "c\($0)" }.joined(separator: ",")
        #expect(Fixture.issues(header + "\na\n", name: "n.csv").first?.message.contains("columns") == true)
    }

    // MARK: accepted as they should be

    @Test("a UTF-8 byte order mark (Excel's CSV) is skipped, in every format")
    func byteOrderMark() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        for name in ["profile.csv", "profile.ndjson", "profile.json", "profile.aws.json", "profile.ddsql.json"] {
            let plain = try SnapshotAssembler.read([(name, try Fixture.bytes(name))])
            let marked = try SnapshotAssembler.read([(name, bom + (try Fixture.bytes(name)))])
            #expect(marked.map(\.profile) == plain.map(\.profile), "\(name)")
        }
    }

    @Test("a .json file of DDSQL rows whose values say SecurityProfile is read as DDSQL rows (keys decide)")
    func detectionByKeys() throws {
        let rows = "[{\"_key\": \"a\", \"tag_restricted_resources\": [\"SecurityProfile\", \"User\"]},\n {\"_key\": \"b\"}]"
        #expect(SnapshotFormat.detect(fileName: "x.json", prefix: ArraySlice(Array(rows.utf8))) == .json)
        let records = try Fixture.read(rows, name: "x.json")
        #expect(records.first?.profile.tagRestrictedResources == ["SecurityProfile", "User"])
        let wrapped = "{\"rows\": [{\"_key\": \"a\", \"description\": \"\\\"SecurityProfiles\\\" and \\\"columns\\\", \\\"attributes\\\"\"}]}"
        #expect(SnapshotFormat.detect(fileName: "x", prefix: ArraySlice(Array(wrapped.utf8))) == .json)
        let aws = "[{\"SecurityProfile\": {\"Arn\": \"\(key)\"}}]"
        #expect(SnapshotFormat.detect(fileName: "x.json", prefix: ArraySlice(Array(aws.utf8))) == .aws)
        let ddsql = "{\"data\": {\"type\": \"ddsql\", \"attributes\": {\"columns\": []}}}"
        #expect(SnapshotFormat.detect(fileName: "x.json", prefix: ArraySlice(Array(ddsql.utf8))) == .ddsql)
        #expect(SnapshotFormat.detect(fileName: "x", prefix: ArraySlice(Array((line() + "\n" + line()).utf8))) == .ndjson)
    }

    @Test("the fast NFC check never keeps text that normalization would change")
    func fastNFCCheckIsSound() {
        // Every scalar of the ranges taken as NFC without Foundation, alone and before a
        // combining mark (which must then compose or be reordered as NFC says).
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x2FF, 0x2010...0x2027, 0x2030...0x205E, 0x20A0...0x20C0, 0x2190...0x21FF, 0x2500...0x27BF,
            0x3000...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x1F300...0x1FAFF, 0x1100...0x11FF, 0x0300...0x036F, 0x212A...0x212B,
        ]
        var wrong: [String] = []
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                for text in ["a" + String(scalar), String(scalar) + "\u{301}", "e" + String(scalar)] {
                    let expected = text.precomposedStringWithCanonicalMapping
                    let kept = SecurityProfile(key: "k", description: text).description ?? ""
                    if Array(kept.unicodeScalars) != Array(expected.unicodeScalars) { wrong.append(text) }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10).map { $0.unicodeScalars.map { String($0.value, radix: 16) } })")
    }

    @Test("a name re-encoded from NFC to NFD is the same name: equal profiles, equal hashes, no diff")
    func unicodeNormalization() throws {
        let nfc = try Fixture.read(line("\"security_profile_name\": \"Caf\u{E9} agents\"") + "\n", name: "n.ndjson")
        let nfd = try Fixture.read(line("\"security_profile_name\": \"Cafe\u{301} agents\"") + "\n", name: "n.ndjson")
        #expect(nfc.first?.profile == nfd.first?.profile)
        #expect(nfc.first?.profile.contentHash == nfd.first?.profile.contentHash)
        #expect("Cafe\u{301} agents".unicodeScalars.count == 12)
        #expect(nfd.first?.profile.securityProfileName?.unicodeScalars.count == 11)
        // Sets and extra fields are kept in NFC too.
        var profile = SecurityProfile(key: "k", tags: ["team:cafe\u{301}"])
        profile.setExtra("\"cafe\u{301}\"", for: "x")
        #expect(profile.tags == ["team:caf\u{E9}"])
        #expect(profile.extra["x"]?.unicodeScalars.count == 6)
    }
}

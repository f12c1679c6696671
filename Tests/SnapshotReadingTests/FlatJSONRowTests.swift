@testable import AuditCore
@testable import ReportRendering
import AuditModel
import AuditTime
import ByteKernels
import Foundation
import PropertyBased
@testable import SnapshotReading
import TestSupport
import Testing

/// The fast path for flat rows against the strict path it stands in for.
@Suite("flat JSON rows: the fast path reads what the strict path reads, or gives up")
struct FlatJSONRowTests {
    /// The lines of `profiles` rendered as NDJSON.
    static func lines(_ profiles: [SecurityProfile]) -> [[UInt8]] {
        SnapshotRenderer.render(profiles, as: .ndjson).split(separator: 0x0A).map(Array.init)
    }

    static func reads(_ text: String) -> Bool {
        FlatJSONRow.reads(Array(text.utf8))
    }

    /// `base` with generated edits: each `[position, operation]` replaces, inserts or
    /// removes a byte from `alphabet` (`letters` picks which); never empty.
    static func mutated(_ base: [UInt8], edits: [[Int]], letters: [Int], alphabet: [UInt8]) -> [UInt8] {
        var bytes = base
        for (index, pair) in edits.enumerated() {
            let at = min(pair[0], bytes.count - 1)
            switch pair[1] % 3 {
            case 0: bytes[at] = alphabet[letters[index]]
            case 1: bytes.insert(alphabet[letters[index]], at: at)
            default: bytes.remove(at: at)
            }
            if bytes.isEmpty { bytes = base }
        }
        return bytes
    }

    @Test("awkward generated rows: the same record as the strict path, and most take the fast path")
    func generatedRowsAgree() async {
        var fast = 0
        var total = 0
        await propertyCheck(count: 300, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras) { texts, sets, micros, extras in
            var profile = ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras)
            // A nested object is not a flat row: half the rows keep it (the strict path reads them).
            if texts[2].count % 2 == 0 { profile.granularAccessControl = nil }
            for line in Self.lines([profile]) {
                #expect(FlatJSONRow.agreesWithStrictPath(line), "\(String(decoding: line, as: UTF8.self))")
                total += 1
                if FlatJSONRow.reads(line) { fast += 1 }
            }
        }
        // Fails if the fast path stopped reading the rows it exists for.
        #expect(total > 0 && fast * 3 > total, "\(fast) of \(total) rows took the fast path")
    }

    /// Whether a tag key of `profile` is written with an escape in JSON (the fast path leaves
    /// tag objects with escaped keys to the strict path).
    static func tagKeysNeedEscapes(_ profile: SecurityProfile) -> Bool {
        (profile.tags + profile.allowedAccessControlTags).contains { tag in
            tag.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0].utf8.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }
        }
    }

    /// Every shape of an NDJSON export the generator makes (`SnapshotRenderer.Shape`).
    static let shapes: [SnapshotRenderer.Shape] = SnapshotRenderer.Shape.Tags.allCases.flatMap { tags in
        SnapshotRenderer.Shape.Timestamps.allCases.flatMap { timestamps in
            [ProfileField.allCases, ProfileField.ddsqlColumns].map { SnapshotRenderer.Shape(tags: tags, timestamps: timestamps, columns: $0) }
        }
    }

    @Test("every export shape (tags as lists, objects or hstore; ISO or epoch times; all or DDSQL's columns): the fast path reads each row as the strict path does")
    func everyShapeAgrees() async {
        await propertyCheck(count: 100, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras) { texts, sets, micros, extras in
            var profile = ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras)
            profile.granularAccessControl = nil
            for shape in Self.shapes {
                for line in SnapshotRenderer.render([profile], as: .ndjson, shape: shape).split(separator: 0x0A).map(Array.init) {
                    #expect(FlatJSONRow.agreesWithStrictPath(line), "\(String(decoding: line, as: UTF8.self))")
                    // Unknown columns may hold any JSON (the strict path's); the record's own fields are read fast.
                    if profile.extra.isEmpty, shape.tags != .object || !Self.tagKeysNeedEscapes(profile) {
                        #expect(FlatJSONRow.reads(line), "\(shape.tags) \(shape.timestamps): \(String(decoding: line, as: UTF8.self))")
                    }
                }
            }
        }
    }

    @Test("pull aws lines: the fast path reads each as the strict path does, and takes every one without applications or granular access control")
    func awsLinesAgree() async {
        await propertyCheck(count: 200, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras) { texts, sets, micros, extras in
            var profile = ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras)
            let plain = texts[2].count % 2 == 0
            if plain {
                profile.granularAccessControl = nil
                profile.applications = []
                profile.extra = [:]
            }
            for line in SnapshotRenderer.render([profile], as: .aws).split(separator: 0x0A).map(Array.init) {
                #expect(FlatJSONRow.agreesWithStrictAWSPath(line), "\(String(decoding: line, as: UTF8.self))")
                if plain, !Self.tagKeysNeedEscapes(profile) { #expect(FlatJSONRow.readsAWS(line), "\(String(decoding: line, as: UTF8.self))") }
            }
        }
    }

    @Test("pull aws lines with bytes changed: still the same record or the same problems")
    func mutatedAWSLinesAgree() async {
        let base = Array(#"{"Permissions":["BasicAgentAccess","Queues.View"],"SecurityProfile":{"AllowedAccessControlTags":{"Department":"Fraud"},"Arn":"arn:aws:connect:us-east-1:123456789012:instance/i-1/security-profile/p-1","Id":"p-1","LastModifiedTime":1700000000.5,"SecurityProfileName":"Agent – é","Tags":{"env":"prod"},"TagRestrictedResources":["User"]}}"#.utf8)
        #expect(FlatJSONRow.readsAWS(base))
        let alphabet: [UInt8] = Array("{}[]\",:\\ null0123456789.eE+-".utf8) + [0x00, 0xC3, 0xA9]
        let edit = Gen.int(in: 0...(base.count - 1)).array(of: 2)
        await propertyCheck(count: 1_000, input: edit.array(of: 1...4), Gen.int(in: 0...(alphabet.count - 1)).array(of: 4)) { edits, letters in
            let line = Self.mutated(base, edits: edits, letters: letters, alphabet: alphabet)
            #expect(FlatJSONRow.agreesWithStrictAWSPath(line), "\(String(decoding: line, as: UTF8.self))")
        }
    }

    @Test("pull aws lines with problems: the same problems, named as the AWS API names the fields", arguments: [
        #"{"SecurityProfile":{"Arn":"arn:aws:connect:us-east-1:123456789012:instance/i/security-profile/p","LastModifiedTime":"2026-11-10T0090::00Z"}}"#,
        #"{"SecurityProfile":{"Arn":"arn:aws:connect:us-east-1:123456789012:instance/i/security-profile/p","LastModifiedTime":1e300}}"#,
        #"{"SecurityProfile":{"Arn":"arn:aws:connect:us-east-1:123456789012:instance/i/security-profile/p","Tags":{"a":"b"},"LastModifiedTime":17e11}}"#,
        #"{"SecurityProfile":{"Description":"no arn"},"Permissions":[]}"#,
    ])
    func awsProblemsAgree(_ row: String) {
        #expect(FlatJSONRow.readsAWS(Array(row.utf8)))
        #expect(FlatJSONRow.agreesWithStrictAWSPath(Array(row.utf8)))
    }

    @Test("what the aws fast path leaves to the strict path", arguments: [
        #"{"SecurityProfile":{"Arn":"a"},"Applications":[]}"#,  // applications
        #"{"SecurityProfile":{"Arn":"a","GranularAccessControlConfiguration":{}}}"#,  // granular access control
        #"{"SecurityProfile":{"Arn":"a"},"NextToken":"t"}"#,  // a page that goes on
        #"{"SecurityProfileSummaryList":[]}"#,  // a list's summaries
        #"{"Permissions":["A"]}"#,  // no profile
        #"{"SecurityProfile":{"Arn":"a","Permissions":["A"]}}"#,  // permissions inside the profile
        #"{"SecurityProfile":{"Arn":"a","Arn":"b"}}"#,  // repeated member
        #"{"SecurityProfile":{"Arn":"a"},"SecurityProfile":{"Arn":"b"}}"#,  // repeated profile
    ])
    func awsLeftToStrictPath(_ row: String) {
        #expect(!FlatJSONRow.readsAWS(Array(row.utf8)))
        #expect(FlatJSONRow.agreesWithStrictAWSPath(Array(row.utf8)))
    }

    @Test("a CSV cell's tag object: the scanner's tags are Foundation's, or it leaves the cell to Foundation")
    func csvTagObjectsAgree() async {
        let base = Array(#"{"team":"cx","Region":null,"é":"名 – ✓","cost-center":"cc-1043"}"#.utf8)
        let alphabet: [UInt8] = Array("{}[]\",:\\ nul0123456789".utf8) + [0x00, 0xC3, 0xA9]
        let edit = Gen.int(in: 0...(base.count - 1)).array(of: 2)
        await propertyCheck(count: 2_000, input: edit.array(of: 0...3), Gen.int(in: 0...(alphabet.count - 1)).array(of: 3)) { edits, letters in
            let cell = String(decoding: Self.mutated(base, edits: edits, letters: letters, alphabet: alphabet), as: UTF8.self)
            guard let fast = FlatJSONRow.tags(ofObject: cell[...]) else { return }
            let object = try #require(TextForms.json(cell[...]) as? [String: Any], "\(cell)")
            let reference = object.map { key, value in key + ":" + ((value as? String) ?? "") }
            #expect(object.values.allSatisfy { $0 is String || $0 is NSNull }, "\(cell)")
            #expect(Set(fast) == Set(reference) && fast.count == reference.count, "\(cell)")
        }
        #expect(FlatJSONRow.tags(ofObject: String(decoding: base, as: UTF8.self)[...])?.count == 4)
    }

    @Test("rows with tag objects and numeric times, bytes changed: still the same record or the same problems")
    func mutatedShapesAgree() async {
        let base = Array(#"{"_key":"k","allowed_access_control_tags":{"Department":"Fraud","Region":null},"last_modified_time":1700000000.125,"tags":{"env":"prod","team":"cx"}}"#.utf8)
        let alphabet: [UInt8] = Array("{}[]\",:\\ null0123456789.eE+-".utf8) + [0x00, 0xC3, 0xA9]
        let edit = Gen.int(in: 0...(base.count - 1)).array(of: 2)
        await propertyCheck(count: 1_000, input: edit.array(of: 1...4), Gen.int(in: 0...(alphabet.count - 1)).array(of: 4)) { edits, letters in
            let line = Self.mutated(base, edits: edits, letters: letters, alphabet: alphabet)
            #expect(FlatJSONRow.agreesWithStrictPath(line), "\(String(decoding: line, as: UTF8.self))")
        }
        #expect(FlatJSONRow.reads(base))
    }

    @Test("generated rows with bytes changed: still the same record or the same problems")
    func mutatedRowsAgree() async {
        let base = Self.lines([ProfileGen.profile(
            texts: ["key", "123456789012", "g", "arn", "d \"q\" \\ é 名", "id", "us-east-1", "org"],
            sets: [["Department:Fraud"], ["User"], [], ["env:prod"], ["BasicAgentAccess"]], micros: 1_700_000_000_000_000,
            extras: ["x"])])[0]
        let alphabet: [UInt8] = Array("{}[]\",:\\ nulltrue0123456789u/\u{7F}".utf8) + [0x00, 0x0A, 0x0D, 0x09, 0xC3, 0xA9, 0xFF, 0xE5]
        let edit = Gen.int(in: 0...(base.count - 1)).array(of: 2)
        await propertyCheck(count: 500, input: edit.array(of: 1...4), Gen.int(in: 0...(alphabet.count - 1)).array(of: 4)) { edits, letters in
            let line = Self.mutated(base, edits: edits, letters: letters, alphabet: alphabet)
            #expect(FlatJSONRow.agreesWithStrictPath(line), "\(String(decoding: line, as: UTF8.self))")
        }
    }

    @Test("what the fast path reads", arguments: [
        #"{"_key":"k"}"#,
        #" { "_key" : "k" , "tags" : [ "a:b" , "c:" ] , "description" : null } "#,
        #"{"_key":"k","description":"quote \" backslash \\ slash \/ tab \t line \n","x_new":"名"}"#,
        #"{"_key":"k","permissions":[],"arn":""}"#,
        #"{"_key":"k","x_list":["b","a"],"x_empty":[],"x_null":null}"#,
        "{\"_key\":\"k\"}\r",
        #"{}"#,
        #"{"_key":"k","last_modified_time":1700000000}"#,
        #"{"_key":"k","last_modified_time":-1.5e3}"#,
        #"{"_key":"k","tags":{"team":"cx","env":null},"allowed_access_control_tags":{}}"#,
        #"{"_key":"k","tags":{ "a" : "b:c" , "d" : "" , "é" : "名" }}"#,
    ])
    func accepted(_ row: String) {
        #expect(Self.reads(row))
        #expect(FlatJSONRow.agreesWithStrictPath(Array(row.utf8)))
    }

    @Test("what it leaves to the strict path", arguments: [
        #"{"_key":"k","extra":{"a":1}}"#,  // nested object
        #"{"_key":"k","x_count":1700000000}"#,  // number outside a timestamp
        #"{"_key":"k","description":5}"#,  // number outside a timestamp
        #"{"_key":"k","last_modified_time":01}"#,  // no number JSON writes
        #"{"_key":"k","last_modified_time":1e999}"#,  // not finite
        #"{"_key":"k","last_modified_time":12345678901234567890}"#,  // beyond 18 digits
        #"{"_key":"k","tags":{"a":1}}"#,  // an object of no text
        #"{"_key":"k","tags":{"a":"b","a":"c"}}"#,  // repeated key in a tag object
        #"{"_key":"k","tags":{"a\/":"b","a/":"c"}}"#,  // an escaped key in a tag object
        #"{"_key":"k","description":{"a":"b"}}"#,  // object outside a tag set
        #"{"_key":"k","flag":true}"#,  // boolean
        #"{"_key":"k","description":"\u0041"}"#,  // \u escape
        #"{"_key":"k","tags":["a",null]}"#,  // null inside an array
        #"{"_key":"k","_key":"other"}"#,  // repeated key
        #"{"_key":"k",}"#,  // trailing comma
        #"{"_key":"k","tags":["a",]}"#,  // trailing comma in an array
        "{\"_key\":\"a\u{1}b\"}",  // control character
        #"{"_key":"k"} {"_key":"j"}"#,  // content after the object
        #"{"café":"k"}"#,  // non-ASCII key
        #"{"_key":"k""#,  // cut off
        #"["_key"]"#,  // not an object
    ])
    func leftToStrictPath(_ row: String) {
        #expect(!Self.reads(row))
    }

    @Test("invalid UTF-8 in a value is left to the strict path")
    func invalidUTF8() {
        let row = Array(#"{"_key":"k","description":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(!FlatJSONRow.reads(row))
        #expect(FlatJSONRow.agreesWithStrictPath(row))
    }
}

/// The scanner for stored diffs against Foundation, which it stands in for.
@Suite("stored diffs: the scanner reads what Foundation reads, or gives up")
struct DiffScannerTests {
    static func scanned(_ bytes: [UInt8]) -> ProfileDiff? {
        JSONScanner.scanning(bytes, ProfileDiff.scanned)
    }

    /// The same diff as Foundation reads, or nothing (Foundation then reads it).
    static func agrees(_ bytes: [UInt8]) -> Bool {
        guard let fast = scanned(bytes) else { return true }
        return fast == ProfileDiff.parsed(String(decoding: bytes, as: UTF8.self))
    }

    @Test("generated diffs, canonical and spaced out: read as Foundation reads them, all by the scanner")
    func generatedDiffsAgree() async {
        await Self.forEachGeneratedDiff { diff, canonical, spaced in
            for bytes in [canonical, spaced] {
                #expect(Self.agrees(bytes), "\(String(decoding: bytes, as: UTF8.self))")
            }
            // Fails if the scanner stopped reading what it exists for (the generated text
            // has no `\u` escapes, which it leaves to Foundation).
            #expect(Self.scanned(canonical) == diff, "\(diff.json)")
        }
    }

    /// 300 generated diffs between awkward profiles (a text with `/`, quotes, a backslash,
    /// a tab and a non-ASCII letter among them): each as `json` writes it, and spaced out
    /// as another writer spaces it (as `jsonb` prints it spaced).
    static func forEachGeneratedDiff(_ check: @escaping @Sendable (ProfileDiff, _ canonical: [UInt8], _ spaced: [UInt8]) -> Void) async {
        await propertyCheck(
            count: 300, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras, ProfileGen.texts
        ) { texts, sets, micros, extras, otherTexts in
            let old = ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras)
            var new = ProfileGen.profile(texts: otherTexts + ["a/b \"q\" \\ \t é"], sets: sets.reversed(), micros: nil, extras: [])
            new.key = old.key
            let diff = ProfileDiff.between(old, new)
            let canonical = Array(diff.json.utf8)
            let object = try! JSONSerialization.jsonObject(with: Data(canonical))
            check(diff, canonical, Array(try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])))
        }
    }

    @Test("diffs with bytes changed: the same diff as Foundation reads, or left to it")
    func mutatedDiffsAgree() async {
        await Self.forEachMutatedDiff { bytes in
            #expect(Self.agrees(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// A diff of every kind of change with 1 to 4 bytes changed, inserted or removed, 500 times.
    static func forEachMutatedDiff(_ check: @escaping @Sendable ([UInt8]) -> Void) async {
        let base = Array(ProfileDiff(changes: [
            "description": .text(from: "a \"q\" \\ é", to: nil),
            "last_modified_time": .instant(from: nil, to: Instant(microsecondsSinceEpoch: 1_700_000_000_000_000)),
            "permissions": .set(added: ["A", "B"], removed: []),
            "extra.x": .text(from: "1", to: "[\"2\"]"),
        ]).json.utf8)
        let alphabet: [UInt8] = Array("{}[]\",:\\ nulltofromaddedremoved0u/T9".utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        let edit = Gen.int(in: 0...(base.count - 1)).array(of: 2)
        await propertyCheck(count: 500, input: edit.array(of: 1...4), Gen.int(in: 0...(alphabet.count - 1)).array(of: 4)) { edits, letters in
            check(FlatJSONRowTests.mutated(base, edits: edits, letters: letters, alphabet: alphabet))
        }
    }

    /// Diffs the fast paths leave to Foundation.
    static let unusualDiffs = [
        #"{"description":{"from":"\u0041","to":null}}"#,  // \u escape
        #"{"description":{"from":1,"to":null}}"#,  // a number
        #"{"description":{"from":"a","to":null,"why":"x"}}"#,  // another member
        #"{"description":{"from":"a","from":"b"}}"#,  // a repeated member
        #"{"description":{"from":"a"},"description":{"to":"b"}}"#,  // a repeated field
        #"{"extra.名":{"from":"a","to":"b"}}"#,  // a non-ASCII field name
        #"{"tags":{"added":["a",null],"removed":[]}}"#,  // null in a set
        #"{"tags":{"added":["a"]}}"#,  // half a set: not a diff at all
    ]

    @Test("what it leaves to Foundation", arguments: unusualDiffs)
    func leftToFoundation(_ text: String) {
        #expect(Self.scanned(Array(text.utf8)) == nil)
    }

    @Test("what it reads: jsonb's spacing and member order, empty diffs")
    func readsJSONBText() {
        let text = #"{"tags": {"added": ["a:b"], "removed": []}, "description": {"to": null, "from": "x \"y\""}}"#
        #expect(Self.scanned(Array(text.utf8)) == ProfileDiff(changes: [
            "tags": .set(added: ["a:b"], removed: []), "description": .text(from: "x \"y\"", to: nil),
        ]))
        #expect(Self.scanned(Array("{}".utf8)) == ProfileDiff())
        #expect(ProfileDiff(json: #"{"description":{"from":"\u0041","to":null}}"#) == ProfileDiff(changes: ["description": .text(from: "A", to: nil)]))
    }

    @Test("the HTML report writes a diff's lines as escaping each whole line would")
    func htmlChangesAsLines() async {
        await propertyCheck(count: 200, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras, ProfileGen.texts) { texts, sets, micros, extras, otherTexts in
            let old = ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras)
            var new = ProfileGen.profile(texts: otherTexts + ["<b>&'\u{1B}"], sets: sets.reversed(), micros: nil, extras: [])
            new.key = old.key
            let diff = ProfileDiff.between(old, new)
            var written = ""
            HTMLReport.writeChanges(of: diff, into: &written)
            let escape = TextEscaping.html
            #expect(written == diff.lines.map { "<li><code>\(escape($0.field))</code>: \(escape($0.change))</li>" }.joined())
        }
    }
}

/// `ProfileDiff.writeJSON(stored:)`, which writes a stored diff's JSON without decoding it,
/// against decoding it and writing it again (what it stands in for, in JSON reports).
@Suite("stored diffs written as JSON: as decoding and writing them again, or left to that")
struct StoredDiffTests {
    /// The fast path's JSON, or `nil` when it gives up; it appends after what `out` holds.
    static func written(_ bytes: [UInt8]) -> String? {
        var out = Array("prefix".utf8)
        var fields = ProfileDiff.StoredFields()
        let done = bytes.withUnsafeBufferPointer { ProfileDiff.writeJSON(stored: $0, fields: &fields, into: &out) }
        guard done else {
            #expect(out == Array("prefix".utf8), "a diff left to decoding leaves the output as it was")
            return nil
        }
        #expect(out.starts(with: "prefix".utf8))
        return String(decoding: out.dropFirst(6), as: UTF8.self)
    }

    /// The same JSON as decoding and writing again, or nothing (the caller then decodes).
    static func agrees(_ bytes: [UInt8]) -> Bool {
        guard let fast = written(bytes) else { return true }
        return fast == ProfileDiff(json: String(decoding: bytes, as: UTF8.self))?.json
    }

    @Test("generated diffs, canonical and spaced out: each one's JSON, all by the fast path")
    func generatedDiffs() async {
        await DiffScannerTests.forEachGeneratedDiff { diff, canonical, spaced in
            for bytes in [canonical, spaced] {
                // Fails if the fast path stopped writing the diffs it exists for, or wrote them wrong.
                #expect(Self.written(bytes) == diff.json, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    @Test("diffs with bytes changed: the same JSON as decoding them, or left to decoding")
    func mutatedDiffs() async {
        await DiffScannerTests.forEachMutatedDiff { bytes in
            #expect(Self.agrees(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("as jsonb prints them: members by length, spaced; instants as instants")
    func jsonbText() {
        let text = #"{"tags": {"added": ["a:b"], "removed": []}, "description": {"to": null, "from": "x \"y\" \/"}, "last_modified_time": {"to": "2026-01-02 03:04:05+00", "from": "not a time"}}"#
        #expect(Self.written(Array(text.utf8))
            == #"{"description":{"from":"x \"y\" /","to":null},"last_modified_time":{"from":null,"to":"2026-01-02T03:04:05.000000Z"},"tags":{"added":["a:b"],"removed":[]}}"#)
        #expect(Self.written(Array("{}".utf8)) == "{}")
        #expect(Self.written(Array(#"{"tags": {"added": [], "removed": [], "from": "x"}}"#.utf8)) == #"{"tags":{"added":[],"removed":[]}}"#)
        // An instant's own form copied when it names an instant; a 30th of February names none.
        let february = #"{"last_modified_time": {"to": "2026-02-30T00:00:00.000000Z", "from": "2026-02-28T23:59:59.999999Z"}}"#
        #expect(Self.written(Array(february.utf8)) == #"{"last_modified_time":{"from":"2026-02-28T23:59:59.999999Z","to":null}}"#)
        #expect(Self.agrees(Array(february.utf8)))
    }

    @Test("what it leaves to decoding", arguments: DiffScannerTests.unusualDiffs + [
        #"{"last_modified_time":{"from":"2026-01-02T03:04:05\/","to":null}}"#,  // an escaped instant
    ])
    func leftToDecoding(_ text: String) {
        #expect(Self.written(Array(text.utf8)) == nil)
    }

    @Test("instants written as bytes and read from bytes, as the text forms")
    func instantBytes() async {
        let range = Instant.validRange.lowerBound.microsecondsSinceEpoch...Instant.validRange.upperBound.microsecondsSinceEpoch
        await propertyCheck(count: 500, input: Gen.int64(in: range)) { micros in
            let instant = Instant(microsecondsSinceEpoch: micros)
            var out = Array("x".utf8)
            instant.writeISO8601(into: &out)
            #expect(out == Array(("x" + instant.iso8601).utf8))
            for text in [instant.iso8601, String(instant.iso8601.dropLast()) + "+02:00", String(instant.iso8601.prefix(10))] {
                let fromBytes = Array(text.utf8).withUnsafeBufferPointer(Instant.init(parsingUTF8:))
                #expect(fromBytes == Instant(parsing: text), "\(text)")
            }
        }
    }
}

import AuditModel
import Foundation
import PropertyBased
import SnapshotReading
import TestSupport
import Testing

/// The fast path for flat rows (issue 18) against the strict path it stands in for.
@Suite("flat JSON rows: the fast path reads what the strict path reads, or gives up")
struct FlatJSONRowTests {
    /// The lines of `profiles` rendered as NDJSON.
    static func lines(_ profiles: [SecurityProfile]) -> [[UInt8]] {
        SnapshotRenderer.render(profiles, as: .ndjson).split(separator: 0x0A).map(Array.init)
    }

    static func reads(_ text: String) -> Bool {
        FlatJSONRow.reads(Array(text.utf8))
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

    @Test("generated rows with bytes changed: still the same record or the same problems")
    func mutatedRowsAgree() async {
        let base = Self.lines([ProfileGen.profile(
            texts: ["key", "123456789012", "g", "arn", "d \"q\" \\ é 名", "id", "us-east-1", "org"],
            sets: [["Department:Fraud"], ["User"], [], ["env:prod"], ["BasicAgentAccess"]], micros: 1_700_000_000_000_000,
            extras: ["x"])])[0]
        let alphabet: [UInt8] = Array("{}[]\",:\\ nulltrue0123456789u/\u{7F}".utf8) + [0x00, 0x0A, 0x0D, 0x09, 0xC3, 0xA9, 0xFF, 0xE5]
        let edit = Gen.int(in: 0...(base.count - 1)).array(of: 2)
        await propertyCheck(count: 500, input: edit.array(of: 1...4), Gen.int(in: 0...(alphabet.count - 1)).array(of: 4)) { edits, letters in
            var line = base
            for (index, pair) in edits.enumerated() {
                let at = min(pair[0], line.count - 1)
                switch pair[1] % 3 {
                case 0: line[at] = alphabet[letters[index]]
                case 1: line.insert(alphabet[letters[index]], at: at)
                default: line.remove(at: at)
                }
                if line.isEmpty { line = base }
            }
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
    ])
    func accepted(_ row: String) {
        #expect(Self.reads(row))
        #expect(FlatJSONRow.agreesWithStrictPath(Array(row.utf8)))
    }

    @Test("what it leaves to the strict path", arguments: [
        #"{"_key":"k","extra":{"a":1}}"#,  // nested object
        #"{"_key":"k","last_modified_time":1700000000}"#,  // number
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

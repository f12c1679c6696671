import AuditModel
import AuditTime
import ByteKernels
import Foundation
import Platform
import PropertyBased
import SnapshotReading
import Testing

/// The byte kernels and the parallel work, each against the plain implementation it stands
/// in for, on generated inputs with the edges mixed in.
@Suite("byte kernels and parallel work agree with their plain references")
struct KernelReferenceTests {
    /// Bytes that sit at the edges the kernels test: zero, controls, space, quote, backslash,
    /// DEL, the first non-ASCII byte and the last.
    static let edgeBytes: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x22, 0x2C, 0x5C, 0x7F, 0x80, 0xFF, 0x41]

    static let bytes = Gen.int(in: 0...(edgeBytes.count - 1)).array(of: 0...40).map { $0.map { edgeBytes[$0] } }

    @Test("needsEscapes, a word at a time, answers as a byte-by-byte look does, at every length")
    func needsEscapesByWords() async {
        await propertyCheck(count: 3_000, input: Self.bytes, Gen.int(in: 0...255).array(of: 0...40)) { edges, random in
            for bytes in [edges, random.map(UInt8.init), edges.filter { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }] {
                let fast = bytes.withUnsafeBufferPointer { JSONString.needsEscapes($0) }
                #expect(fast == JSONString.needsEscapesByByte(bytes), "\(bytes)")
            }
        }
    }

    @Test("the JSON string written from bytes is the one Foundation reads back as the same text")
    func jsonStringRoundTrips() async {
        await propertyCheck(count: 2_000, input: Gen.int(in: 0...(Self.edgeBytes.count - 1)).array(of: 0...30)) { picks in
            // Valid UTF-8 only: ASCII edges and one two-byte scalar.
            let text = String(decoding: picks.map { Self.edgeBytes[$0] }.filter { $0 < 0x80 }, as: UTF8.self) + "é"
            var out: [UInt8] = []
            Array(text.utf8).withUnsafeBufferPointer { JSONString.write($0, into: &out) }
            #expect(out.count <= JSONString.bound(text.utf8.count))
            let read = try? JSONSerialization.jsonObject(with: Data(out), options: [.fragmentsAllowed]) as? String
            #expect(read == text, "\(String(decoding: out, as: UTF8.self))")
        }
    }

    @Test("offset(of:) finds what firstIndex finds, in every range")
    func byteSearch() async {
        await propertyCheck(count: 2_000, input: Self.bytes, Gen.int(in: 0...40), Gen.int(in: 0...40)) { bytes, a, b in
            let (from, upTo) = (min(a, b, bytes.count), min(max(a, b), bytes.count))
            for byte in Self.edgeBytes {
                let fast = bytes.withUnsafeBufferPointer { $0.offset(of: byte, from: from, upTo: upTo) }
                #expect(fast == bytes[from..<upTo].firstIndex(of: byte), "\(byte) in \(bytes)[\(from)..<\(upTo)]")
            }
        }
    }

    @Test("a byte-keyed table gives each key the value a dictionary gives it, however full or crowded")
    func byteKeyedTable() async {
        let keys = Gen.int(in: 0...(Self.edgeBytes.count - 1)).array(of: 0...20).map { $0.map { Self.edgeBytes[$0] } }
        await propertyCheck(count: 300, input: keys.array(of: 1...60), Gen.int(in: 1...64), Gen.int(in: 1...70), Gen.int(in: 1...8)) {
            keyList, slots, capacity, probes in
            // The value of a key: its bytes and when it was first made; the table may forget
            // (past its capacity or probes) but never answer with another key's value.
            let table = ByteKeyedTable<(key: [UInt8], made: Int)>(slots: slots, capacity: capacity, probes: probes)
            var reference: [[UInt8]: Int] = [:]
            var made = 0
            for (step, key) in (keyList + keyList.reversed()).enumerated() {
                let value = table.value(for: key) { bytes in
                    made += 1
                    return (Array(bytes), step)
                }
                #expect(value.key == key)
                if let first = reference[key], value.made != step { #expect(value.made >= first) }
                if reference[key] == nil { reference[key] = step }
            }
            #expect(table.count <= capacity && table.count <= Set(keyList).count)
        }
        // Room enough: each key is made once.
        let table = ByteKeyedTable<Int>(slots: 4_096, capacity: 4_096, probes: 4_096)
        var made = 0
        let names = (0..<1_000).map { Array("permission-\(($0 * 7) % 300)".utf8) }
        for key in names { _ = table.value(for: key) { _ in made += 1; return made } }
        #expect(made == 300 && table.count == 300)
    }

    @Test("recurring texts give back the text of the bytes asked for")
    func recurringTexts() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...40).array(of: 1...200)) { numbers in
            let recurring = RecurringTexts()
            for number in numbers {
                let text = "BasicAgentAccess.View.\(number)" + (number % 3 == 0 ? "–é" : "")
                let read = Array(text.utf8).withUnsafeBufferPointer { recurring.text($0) }
                #expect(read == text)
            }
        }
    }

    @Test("parallel work returns each share's result in order, for any count and number of workers")
    func parallelMap() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...2_000), Gen.int(in: 1...16)) { count, workers in
            let shares = ParallelWork.map(count, workers: workers) { range in Array(range) }
            #expect(shares.flatMap { $0 } == Array(0..<count))
            #expect(shares.count == max(1, min(workers, max(count, 1))))
        }
    }

    @Test("hashing a snapshot's records on every core gives the digests hashing them in turn gives")
    func snapshotHashing() {
        let records = (0..<1_500).map { index in
            let arn = "arn:aws:connect:us-east-1:123456789012:instance/i-1/security-profile/p\(index)"
            let profile = SecurityProfile(
                key: arn, accountID: "123456789012", arn: arn, description: "profile \(index) – ✓",
                lastModifiedTime: Instant(microsecondsSinceEpoch: 1_700_000_000_000_000 + Int64(index)),
                organizationResourceID: "i-1", securityProfileName: "Profile \(index)", tags: ["n:\(index % 7)"])
            return ParsedRecord(profile: profile, file: "s", line: index + 1)
        }
        let parallel = SnapshotHashing.digests(of: records[...])
        let plain = Snapshot.digests(of: records[...])
        #expect(parallel.map(\.content) == plain.map(\.content))
        #expect(parallel.map(\.row) == plain.map(\.row))
        #expect(Snapshot(records: records).contentSHA256 == Snapshot(records: records, digests: parallel).contentSHA256)
    }
}

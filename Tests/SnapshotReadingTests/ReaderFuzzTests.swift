import AuditCore
import AuditModel
import AuditTime
import Foundation
import PropertyBased
import SnapshotReading
import Testing

/// Mutations of the shared examples: what a careless export, a truncated transfer or a
/// hostile file looks like.
enum Mutation {
    /// Tokens that break naive readers when dropped anywhere.
    static let tokens: [[UInt8]] = [
        "\"", "\\", "{", "}", "[", "]", ",", ":", "\n", "\r\n", "\"\"", "null", "true", "-1e400", "1e300", "\\u0000",
        "\\ud800", "\u{1B}[2J", "\"_key\":\"x\",", "\"data\":[", "=>", "{a,\"b", "9999-12-31T23:59:59.9999999Z",
        "\u{FEFF}", "\u{202E}", "\"SecurityProfile\":", "{\"columns\":[", String(repeating: "[", count: 200),
    ].map { Array($0.utf8) } + [[0x00], [0xFF], [0xC3], [0xEF, 0xBB, 0xBF]]

    /// Applies `steps` (kind, where, what) to `bytes`.
    static func apply(_ steps: [[Int]], to bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for step in steps {
            let position = out.isEmpty ? 0 : step[1] % (out.count + 1)
            switch step[0] % 6 {
            case 0: out.insert(contentsOf: tokens[step[2] % tokens.count], at: position)
            case 1: if position < out.count { out.remove(at: position) }
            case 2: if position < out.count { out[position] = UInt8(truncatingIfNeeded: step[2]) }
            case 3: out = Array(out.prefix(position))  // a truncated transfer
            case 4: out += out.prefix(position)  // a part repeated
            default: if position < out.count { out[position] ^= UInt8(truncatingIfNeeded: 1 << (step[2] % 8)) }
            }
        }
        return out
    }
}

@Suite("readers under fuzzing: no input ends in a signal, and nothing read would poison the store")
struct ReaderFuzzTests {
    static let examples = ["profile.ndjson", "profile.json", "profile.csv", "profile.aws.json", "profile.ddsql.json", "profile-with-permissions.aws.json"]

    @Test("mutated examples, read whole and in small chunks, in their own format and detected", arguments: examples)
    func mutatedExamples(example: String) async throws {
        let original = try Fixture.bytes(example)
        let step = Gen.int(in: 0...Int(Int32.max)).array(of: 3)
        await propertyCheck(count: 300, input: step.array(of: 1...6), Gen.int(in: 1...97)) { steps, chunkSize in
            let bytes = Mutation.apply(steps, to: original)
            for format in [nil] + SnapshotFormat.allCases.map(Optional.some) {
                var reader = SnapshotReader(
                    format: format ?? SnapshotFormat.detect(fileName: example, prefix: ArraySlice(bytes.prefix(65_536))), file: example)
                var offset = 0
                while offset < bytes.count, reader.wantsMore {
                    reader.consume(Array(bytes[offset..<min(bytes.count, offset + chunkSize)]))
                    offset += chunkSize
                }
                Self.expectHarmless(reader.finish())
            }
        }
    }

    /// What a reader returns is either refused with placed issues, or records the store can hold.
    static func expectHarmless(_ part: SnapshotPart) {
        for issue in part.issues {
            #expect(issue.line >= 1)
            #expect(!issue.message.isEmpty)
            let hasEscape = issue.description.unicodeScalars.contains { $0 == "\u{1B}" }
            #expect(!hasEscape)
        }
        guard part.issues.isEmpty else { return }
        for record in part.records {
            let profile = record.profile
            let blankKey = profile.key.allSatisfy { $0.isWhitespace }
            #expect(!blankKey)
            for field in ProfileField.allCases {
                let texts = [profile.text(field)].compactMap { $0 } + profile.set(field)
                for text in texts {
                    let hasNUL = text.unicodeScalars.contains("\u{0}")
                    #expect(!hasNUL, "\(field.rawValue)")
                }
                if let text = profile.text(field) { #expect(text.utf8.count <= InputLimits.textBytes) }
            }
            if let instant = profile.lastModifiedTime { #expect(Instant.validRange.contains(instant)) }
            for (name, value) in profile.extra {
                let decoded = try? JSONSerialization.jsonObject(with: Data(value.utf8), options: [.fragmentsAllowed])
                #expect(decoded != nil, "extra.\(name) is JSON")
                #expect(!containsNUL(decoded as Any) && !name.unicodeScalars.contains("\u{0}"), "extra.\(name)")
            }
        }
    }

    /// Whether a decoded JSON value holds a NUL in any string or key.
    static func containsNUL(_ value: Any) -> Bool {
        switch value {
        case let text as String: return text.unicodeScalars.contains("\u{0}")
        case let array as [Any]: return array.contains(where: containsNUL)
        case let object as [String: Any]: return object.contains { containsNUL($0.key) || containsNUL($0.value) }
        default: return false
        }
    }

    @Test("random bytes in every format")
    func randomBytes() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...255).array(of: 0...400)) { values in
            let bytes = values.map { UInt8($0) }
            for format in SnapshotFormat.allCases {
                var reader = SnapshotReader(format: format, file: "random")
                reader.consume(bytes)
                Self.expectHarmless(reader.finish())
            }
        }
    }
}

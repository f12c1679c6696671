import AuditModel
import ByteKernels
import Foundation
import PropertyBased
@testable import SnapshotReading
import Testing

/// The scanner's word-at-a-time string reading and the recurring texts, against
/// byte-by-byte references and Foundation.
@Suite("JSON scanner: strings read eight bytes at a time, recurring texts shared")
struct JSONScannerTests {
    /// Bytes on either side of each test's edges: controls, space, `"`, `\`, DEL, non-ASCII.
    static let edgeBytes: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0x9F, 0xA0, 0xA2, 0xDC, 0xFF, 0x41]

    @Test("eight bytes hold a quote, a backslash or a control character exactly when one of them is one")
    func wordTest() async {
        let pick = Gen.int(in: 0...(Self.edgeBytes.count - 1)).array(of: 8)
        await propertyCheck(count: 5_000, input: pick, Gen.int(in: 0...255).array(of: 8), Gen.bool.array(of: 8)) { picks, randoms, edge in
            let bytes = (0..<8).map { edge[$0] ? Self.edgeBytes[picks[$0]] : UInt8(randoms[$0]) }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let expected = bytes.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }
            #expect(JSONString.holdsQuoteBackslashOrControl(word) == expected, "\(bytes)")
        }
    }

    static let pieces = ["a", "Z", "0", " ", "é", "名", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u0041", "\u{1}", "\u{7F}", "\"", "\\"]

    /// What the scanner reads of `bytes` as one JSON string: its text when it took every
    /// byte, `nil` when it gave up or stopped early.
    static func scanned(_ bytes: [UInt8], _ recurring: RecurringTexts?) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            var json = JSONScanner(bytes: buffer)
            guard json.take(UInt8(ascii: "\"")), let text = json.string(recurring), json.isAtEnd else { return nil }
            return text
        }
    }

    @Test("strings of every length, escapes, quotes and controls at every offset: what Foundation reads, or given up")
    func stringsAgreeWithFoundation() async {
        let body = Gen.int(in: 0...(Self.pieces.count - 1)).array(of: 0...12)
        await propertyCheck(count: 4_000, input: body, Gen.int(in: 0...17), Gen.bool) { picks, padding, interned in
            let text = String(repeating: "x", count: padding) + picks.map { Self.pieces[$0] }.joined()
            let bytes = Array(("\"" + text + "\"").utf8)
            let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
            let recurring = interned ? RecurringTexts() : nil
            let scanned = Self.scanned(bytes, recurring)
            if let scanned { #expect(scanned == foundation, "\(text.debugDescription)") }
            // Only `\u` escapes and controls (which Foundation would take escaped) are given up.
            if foundation != nil, !text.contains("\\u") {
                #expect(scanned == foundation, "given up: \(text.debugDescription)")
                // A second read through the same table: the same text.
                #expect(Self.scanned(bytes, recurring) == foundation)
            }
        }
    }

    /// The address of a string's UTF-8 storage (texts longer than 15 bytes are on the heap).
    static func storage(_ text: String) -> UnsafeRawPointer? {
        text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    @Test("recurring texts: every text is its bytes' text, past the table's capacity too; a repeated one is shared")
    func recurringTexts() {
        let recurring = RecurringTexts()
        let texts = (0..<3_000).map { $0 % 3 == 0 ? "P\($0)" : "Permissions.Number\($0).View" }
        var first: [String] = []
        for round in 0..<2 {
            var wrong = 0
            for (index, text) in texts.enumerated() {
                let made = Array(text.utf8).withUnsafeBufferPointer { recurring.text($0) }
                if made != text { wrong += 1 }
                if round == 0 { first.append(made) } else if made != first[index] { wrong += 1 }
            }
            #expect(wrong == 0, "round \(round): \(wrong) texts read wrong")
        }
        // The first long texts were kept: read again, the same storage, not a new string.
        let long = texts.enumerated().filter { $0.element.utf8.count > 15 }.prefix(100)
        let shared = long.filter { index, text in
            let again = Array(text.utf8).withUnsafeBufferPointer { recurring.text($0) }
            return Self.storage(again) != nil && Self.storage(again) == Self.storage(first[index])
        }
        #expect(shared.count == long.count, "\(shared.count) of \(long.count) shared")
    }
}

import AuditModel
import Foundation
import Testing

/// The JSON that event hashes cover: strings must survive it byte for byte.
@Suite("canonical JSON strings")
struct CanonicalJSONTests {
    static let fragments = [
        "a", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}", "é", "e\u{301}",
        "\u{301}", "名", "🙂", "👩🏽‍💻", "\u{200D}", "<", "&", "'",
    ]

    @Test("every string reads back as the same scalars, control characters escaped, in the documented forms")
    func roundTrip() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            var text = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for step in 0..<Int(state >> 60) {
                text += Self.fragments[Int((state >> UInt64(step * 5 % 55)) % UInt64(Self.fragments.count))]
            }
            let json = CanonicalJSON.text(text)
            // The same bytes from the byte writer (eight at a time), after any offset.
            for prefix in ["", "0123456", String(repeating: "x", count: 13)] {
                var bytes: [UInt8] = []
                Array((prefix + text).utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, into: &bytes) }
                #expect(bytes == Array(CanonicalJSON.text(prefix + text).utf8), "\(prefix + text)")
            }
            #expect(!json.unicodeScalars.contains { $0.value < 0x20 }, "\(json)")
            let back = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) as? String
            #expect(back.map { Array($0.unicodeScalars) } == Array(text.unicodeScalars), "\(json)")
        }
        // A combining mark right after an escaped quote stays after its escape.
        #expect(CanonicalJSON.text("a\"\u{301}b") == "\"a\\\"\u{301}b\"")
        #expect(CanonicalJSON.text("\u{01}\n\t\r\u{08}\u{0C}/") == "\"\\u0001\\n\\t\\r\\b\\f/\"")
        #expect(CanonicalJSON.text(["b": ["x", NSNull()], "a": "é"]) == "{\"a\":\"é\",\"b\":[\"x\",null]}")
    }
}

import ArrayLiteral
import PropertyBased
import Testing

/// `ArrayLiteral.parse` reads in place (issue 18); these hold it to the byte-by-byte parser
/// it replaced, kept below as the reference, on texts built from the literal's own syntax.
@Suite("array literal: the in-place parser reads every text as the byte-by-byte one did")
struct ArrayLiteralParseTests {
    static let fragments = [
        "{", "}", "\"", "\\", ",", " ", "NULL", "N", "a", "Zz", "名", "e\u{301}", "\\\"", "\\\\", "\\,", "\", \"", "{\"", "\"}",
    ]
    static let body = Gen.int(in: 0...(fragments.count - 1)).map { fragments[$0] }.array(of: 0...8).map { $0.joined() }

    @Test("braced and unbraced texts of the literal's syntax: the same elements, or nil for both")
    func sameAsReference() async {
        await propertyCheck(count: 3_000, input: Self.body, Gen.bool) { body, braced in
            let text = braced ? "{" + body + "}" : body
            #expect(ArrayLiteral.parse(text) == Self.reference(text), "\(text.debugDescription)")
            #expect(ArrayLiteral.parse(text[...]) == Self.reference(text), "as a substring: \(text.debugDescription)")
        }
    }

    @Test("the shapes the readers meet")
    func knownShapes() {
        #expect(ArrayLiteral.parse("{}") == [])
        #expect(ArrayLiteral.parse("{\"BasicAgentAccess\",\"OutboundCallAccess\"}") == ["BasicAgentAccess", "OutboundCallAccess"])
        #expect(ArrayLiteral.parse("{User, Queue ,\"Routing Profile\"}") == ["User", "Queue", "Routing Profile"])
        #expect(ArrayLiteral.parse("{a,NULL,\"NULL\"}") == ["a", nil, "NULL"])
        #expect(ArrayLiteral.parse("{\"a\\\"b\",c\\,d}") == ["a\"b", "c,d"])
        #expect(ArrayLiteral.parse("{a,}") == nil)
        #expect(ArrayLiteral.parse("{\"a}") == nil)
        #expect(ArrayLiteral.parse("{a\"b}") == nil)
        #expect(ArrayLiteral.parse("{\"a\"b}") == nil)
        #expect(ArrayLiteral.parse("a,b") == nil)
    }

    /// The parser as it was before issue 18: the text copied into an array, each element
    /// gathered byte by byte.
    static func reference(_ text: String) -> [String?]? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var elements: [String?] = []
        var index = 1
        let end = bytes.count - 1
        if end == 1 { return [] }
        while true {
            while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
            var element: [UInt8] = []
            var quoted = false
            if index < end, bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                var closed = false
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\"), index + 1 < end {
                        element.append(bytes[index + 1])
                        index += 2
                    } else if byte == UInt8(ascii: "\"") {
                        index += 1
                        closed = true
                        break
                    } else {
                        element.append(byte)
                        index += 1
                    }
                }
                guard closed else { return nil }
                while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "{") { return nil }
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < end { index += 1 }
                    element.append(bytes[index])
                    index += 1
                }
                while element.last == UInt8(ascii: " ") { element.removeLast() }
                if element.isEmpty { return nil }
            }
            elements.append(!quoted && element == Array("NULL".utf8) ? nil : String(decoding: element, as: UTF8.self))
            if index == end { break }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return elements
    }
}

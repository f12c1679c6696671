import ArrayLiteral
import PropertyBased
import Testing

/// `ArrayLiteral.parse` reads in place; these hold it to a reference reader of
/// the grammar it had before (written differently: consuming the text from the front), on
/// texts built from the literal's own syntax.
@Suite("array literal: the in-place parser reads every text as the reference reader of its grammar does")
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

    /// The grammar the parser had before its fast path, written as simply as it reads: the text
    /// consumed from the front one byte at a time.
    static func reference(_ text: String) -> [String?]? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ","), space = UInt8(ascii: " ")
        let all = Array(text.utf8)
        guard all.count >= 2, all.first == UInt8(ascii: "{"), all.last == UInt8(ascii: "}") else { return nil }
        var rest = all.dropFirst().dropLast()
        if rest.isEmpty { return [] }
        var elements: [String?] = []
        while true {
            while rest.first == space { rest.removeFirst() }
            var value: [UInt8] = []
            if rest.first == quote {
                rest.removeFirst()
                while true {
                    guard let byte = rest.popFirst() else { return nil }  // never closed
                    if byte == quote { break }
                    value.append(byte == backslash ? rest.popFirst() ?? byte : byte)
                }
                while rest.first == space { rest.removeFirst() }
                elements.append(String(decoding: value, as: UTF8.self))
            } else {
                while let byte = rest.first, byte != comma {
                    rest.removeFirst()
                    if byte == quote || byte == UInt8(ascii: "{") { return nil }
                    value.append(byte == backslash ? rest.popFirst() ?? byte : byte)
                }
                while value.last == space { value.removeLast() }
                if value.isEmpty { return nil }
                elements.append(value == Array("NULL".utf8) ? nil : String(decoding: value, as: UTF8.self))
            }
            if rest.isEmpty { return elements }
            guard rest.popFirst() == comma else { return nil }
        }
    }
}

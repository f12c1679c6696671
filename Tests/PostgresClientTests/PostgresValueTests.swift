import ArrayLiteral
import AuditTime
import PostgresClient
import Testing

@Suite("value codecs, without a server")
struct PostgresValueTests {
    @Test("array literals round-trip any text", arguments: [
        [], [""], ["a", "b"], ["with,comma", "with\"quote", "back\\slash", "NULL", " spaced "], ["– ✓"],
    ])
    func arrayRoundTrip(elements: [String]) throws {
        #expect(try [String](postgresText: ArrayLiteral.render(elements)) == elements)
    }

    @Test("unquoted array elements are read as PostgreSQL prints them")
    func unquotedArray() throws {
        #expect(try [String](postgresText: "{User,Queue,\"Routing Profile\"}") == ["User", "Queue", "Routing Profile"])
        #expect(throws: PostgresError.self) { try [String](postgresText: "{a,NULL}") }
        #expect(throws: PostgresError.self) { try [String](postgresText: "a,b") }
    }

    @Test("timestamps read PostgreSQL's ISO output with offsets and fractions")
    func timestampParsing() throws {
        let base = try Instant(postgresText: "2026-11-20 14:03:27.512+00")
        #expect(base.microsecondsSinceEpoch == 1_795_183_407_512_000)
        #expect(try Instant(postgresText: "2026-11-20 16:03:27.512+02").microsecondsSinceEpoch == base.microsecondsSinceEpoch)
        #expect(try Instant(postgresText: "2026-11-20 09:33:27.512-04:30").microsecondsSinceEpoch == base.microsecondsSinceEpoch)
        #expect(try Instant(postgresText: "1970-01-01 00:00:00+00").microsecondsSinceEpoch == 0)
        #expect(base.postgresText == "2026-11-20T14:03:27.512000Z")
        #expect(Instant(microsecondsSinceEpoch: -1).postgresText == "1969-12-31T23:59:59.999999Z")
        #expect(throws: PostgresError.self) { try Instant(postgresText: "infinity") }
    }
}

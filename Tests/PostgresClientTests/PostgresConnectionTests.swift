import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SecretRedaction
import SnapshotReading
import TestSupport
import Testing

/// Awkward text: quotes, backslashes, tabs, newlines, carriage returns, non-ASCII, `\N`.
let awkwardTexts = [
    "",
    "plain",
    "it's \"quoted\"",
    "back\\slash \\N \\\\",
    "tab\there",
    "line\nbreak\r\nwindows",
    "Tier2 Agent – EMEA ✓ 日本語 🙂",
    "{a,b}",
    "\"k\"=>\"v\"",
    "NULL",
    " leading and trailing ",
]

@Suite("PostgresConnection against a real server")
struct PostgresConnectionTests {
    @Test("parameters round-trip awkward text unchanged, and NULL stays distinct from ''")
    func parametersRoundTrip() throws {
        let connection = try TestDatabase.connectToServer()
        defer { connection.close() }
        for text in awkwardTexts {
            let rows = try connection.query("SELECT $1::text, length($1::text)", [text])
            #expect(rows[0].values[0] == text)
            #expect(try rows[0].decode(Int.self, at: 1) == text.unicodeScalars.count)
        }
        let rows = try connection.query("SELECT $1::text IS NULL, $2::text IS NULL, $2::text = ''", [nil, ""])
        #expect(rows[0].values == ["t", "f", "t"])
        #expect(try connection.query("SELECT NULL::text")[0].values[0] == nil)
        #expect(try connection.query("SELECT ''::text")[0].values[0] == "")
        #expect(connection.liveResultCount == 0)
    }

    @Test("integers, booleans, timestamps, text[] and jsonb round-trip")
    func typedValuesRoundTrip() throws {
        let connection = try TestDatabase.connectToServer()
        defer { connection.close() }
        let instant = Instant(microsecondsSinceEpoch: 1_795_183_407_512_001)
        let before1970 = Instant(microsecondsSinceEpoch: -86_400_000_001)
        let row = try connection.query(
            "SELECT $1::bigint, $2::boolean, $3::timestamptz, $4::text[], $5::jsonb, $6::timestamptz, $3::timestamptz = '2026-11-20 14:03:27.512001Z'",
            [Int64.max, true, instant, awkwardTexts, PostgresJSON(#"{"a": [1, "x\ty"]}"#), before1970])[0]
        #expect(try row.decode(Int64.self, at: 0) == Int64.max)
        #expect(try row.decode(Bool.self, at: 1) == true)
        #expect(try row.decode(Instant.self, at: 2) == instant)
        #expect(try row.decode([String].self, at: 3) == awkwardTexts)
        #expect(try row.decode(PostgresJSON.self, at: 4).text == #"{"a": [1, "x\ty"]}"#)
        #expect(try row.decode(Instant.self, at: 5) == before1970)
        #expect(try row.decode(Bool.self, at: 6))
        #expect(try connection.query("SELECT '{}'::text[]")[0].decode([String].self, at: 0) == [])
        #expect(throws: PostgresError.self) { try connection.query("SELECT NULL::int")[0].decode(Int.self, at: 0) }
        #expect(try connection.query("SELECT NULL::int")[0].decodeIfPresent(Int.self, at: 0) == nil)
    }

    @Test("COPY in and out round-trips 100,000 rows of awkward values exactly")
    func copyRoundTrip() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE t (n integer PRIMARY KEY, a text, b text, c text)")
            var generator = SeededRandom(seed: 42)
            var expected: [[String?]] = []
            expected.reserveCapacity(100_000)
            for n in 0..<100_000 {
                let a: String? = n % 17 == 0 ? nil : awkwardTexts[Int(generator.next() % UInt64(awkwardTexts.count))]
                let b = awkwardTexts[Int(generator.next() % UInt64(awkwardTexts.count))] + String(n)
                let c = [awkwardTexts[n % awkwardTexts.count], "x"].postgresText
                expected.append([String(n), a, b, c])
            }
            let stored = try connection.copyIn("COPY t (n, a, b, c) FROM STDIN") { writer in
                for row in expected { try writer.appendRow(row) }
            }
            #expect(stored == 100_000)
            var received: [[String?]] = []
            let read = try connection.copyOut("COPY (SELECT n, a, b, c FROM t ORDER BY n) TO STDOUT") { received.append($0) }
            #expect(read == 100_000)
            // Compared row by row: a diff of two 100,000-row arrays is too slow to print.
            #expect(received.count == expected.count)
            let mismatch = received.indices.first { received[$0] != expected[$0] }
            #expect(mismatch == nil, "first differing row: \(mismatch.map { "\(received[$0]) != \(expected[$0])" } ?? "")")
            // The server read the same text we meant, not only the same escapes.
            let check = try connection.query("SELECT a FROM t WHERE n = 3")[0].values[0]
            #expect(check == expected[3][1])
            #expect(connection.liveResultCount == 0)
        }
    }

    @Test("binary COPY out reads text, integers, timestamps, bytea and NULL exactly as stored")
    func binaryCopyOut() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE t (n integer, big bigint, at timestamptz, raw bytea, words text)")
            let times = ["1969-07-20 20:17:40.000001+00", "1999-12-31 23:59:59.999999+00", "2000-01-01 00:00:00+00", "2026-11-28 16:41:36.5+00"]
            for (n, text) in awkwardTexts.enumerated() {
                try connection.execute(
                    "INSERT INTO t VALUES ($1, $2, $3, decode($4, 'hex'), $5)",
                    [n, Int64(n) - 3_000_000_000, times[n % times.count], String(repeating: "0a", count: n), text])
            }
            try connection.execute("INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL)")
            var rows: [[String?]] = []
            let read = try connection.copyOutBinary("COPY (SELECT n, big, at, raw, words FROM t ORDER BY n NULLS LAST) TO STDOUT (FORMAT binary)") { row in
                #expect(row.count == 5)
                rows.append([
                    try row.int32(at: 0).map { String($0) }, try row.int64(at: 1).map { String($0) },
                    try row.timestamp(at: 2).map(\.postgresText), try row.bytes(at: 3).map { String($0.count) },
                    try row.string(at: 4),
                ])
            }
            #expect(read == awkwardTexts.count + 1)
            for (n, text) in awkwardTexts.enumerated() {
                let at = try Instant(postgresText: times[n % times.count])
                #expect(rows[n] == [String(n), String(Int64(n) - 3_000_000_000), at.postgresText, String(n), text])
            }
            #expect(rows.last == [nil, nil, nil, nil, nil])
            // A wrong-width read is an error; the connection stays usable and results are cleared.
            #expect(throws: PostgresError.self) {
                try connection.copyOutBinary("COPY (SELECT n FROM t) TO STDOUT (FORMAT binary)") { _ = try $0.int64(at: 0) }
            }
            #expect(try connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
            #expect(connection.liveResultCount == 0)
        }
    }

    @Test("binary COPY in stores every type as the text form would, and a mismatched row is refused")
    func binaryCopyIn() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TYPE mood AS ENUM ('calm', 'widened')")
            try connection.execute("""
                CREATE TABLE t (n integer, big bigint, at timestamptz, raw bytea, words text, list text[], doc jsonb, flag boolean, m mood)
                """)
            let times = ["1969-07-20 20:17:40.000001+00", "1999-12-31 23:59:59.999999+00", "2000-01-01 00:00:00+00", "2026-11-28 16:41:36.5+00"]
            var expected: [[String?]] = []
            let stored = try connection.copyInBinary("COPY t FROM STDIN (FORMAT binary)", columns: 9) { writer in
                for (n, text) in awkwardTexts.enumerated() {
                    let at = try Instant(postgresText: times[n % times.count])
                    let list = n % 3 == 0 ? [] : [text, "x", ""]
                    let doc = #"{"k": "\#(n)", "text": ["a", null]}"#
                    writer.int32(Int32(n))
                    writer.int64(Int64(n) - 3_000_000_000)
                    writer.timestamp(at)
                    [UInt8](repeating: 10, count: n).withUnsafeBytes { writer.bytea($0) }
                    writer.text(text)
                    writer.textArray(list)
                    writer.jsonb(doc)
                    writer.bool(n % 2 == 0)
                    writer.text(n % 2 == 0 ? "calm" : "widened")
                    try writer.endRow()
                    expected.append([
                        String(n), String(Int64(n) - 3_000_000_000), at.postgresText, String(repeating: "0a", count: n), text,
                        list.postgresText, #"{"k": "\#(n)", "text": ["a", null]}"#, n % 2 == 0 ? "true" : "false",
                        n % 2 == 0 ? "calm" : "widened",
                    ])
                }
                for _ in 0..<4 { writer.text(nil) }
                writer.bytea(nil)
                writer.int32(nil)
                writer.int64(nil)
                writer.jsonb(nil)
                writer.timestamp(nil)
                try writer.endRow()
            }
            #expect(stored == awkwardTexts.count + 1)
            let rows = try connection.query("""
                SELECT n::text, big::text, at, encode(raw, 'hex'), words, list::text, doc::text, flag::text, m::text
                FROM t WHERE t.n IS NOT NULL ORDER BY t.n
                """)
            #expect(rows.count == expected.count)
            for (n, row) in rows.enumerated() {
                // Timestamps and arrays compared as values, not as the server spells them.
                var values = row.values
                values[2] = try row.decode(Instant.self, at: 2).postgresText
                values[5] = try row.decode([String].self, at: 5).postgresText
                #expect(values == expected[n])
            }
            #expect(try connection.query("SELECT count(*) FROM t WHERE n IS NULL AND words IS NULL AND raw IS NULL AND at IS NULL")[0]
                .decode(Int.self, at: 0) == 1)
            // A row short of a field is refused before it is sent; a field of the wrong
            // width (bigint into integer) by the server. Nothing of either is stored.
            #expect(throws: PostgresError.self) {
                try connection.copyInBinary("COPY t (n, words) FROM STDIN (FORMAT binary)", columns: 2) { writer in
                    writer.int32(1)
                    try writer.endRow()
                }
            }
            #expect(throws: PostgresError.self) {
                try connection.copyInBinary("COPY t (n, words) FROM STDIN (FORMAT binary)", columns: 2) { writer in
                    writer.int64(1)
                    writer.text("wide")
                    try writer.endRow()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == awkwardTexts.count + 1)
            #expect(connection.liveResultCount == 0)
        }
    }

    @Test("a COPY aborted by the client stores nothing; a bad row surfaces the server's error")
    func copyFailures() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE t (n integer PRIMARY KEY)")
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    for n in 0..<10 { try writer.appendRow([String(n)]) }
                    throw Stop()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 0)
            let error = #expect(throws: PostgresError.self) {
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    try writer.appendRow(["1"])
                    try writer.appendRow(["not a number"])
                }
            }
            #expect(error?.sqlState == "22P02")
            #expect(try connection.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 0)
            // The connection is still usable.
            try connection.copyIn("COPY t FROM STDIN") { try $0.appendRow(["7"]) }
            #expect(try connection.query("SELECT n FROM t")[0].decode(Int.self, at: 0) == 7)
            #expect(connection.liveResultCount == 0)
        }
    }

    @Test("the server's end of a COPY killed mid-stream: the sends (on their own thread) fail, the writer stops with an error, nothing hangs")
    func copyConnectionLost() throws {
        try TestDatabase.withDatabase { conninfo in
            let connection = try PostgresConnection(conninfo)
            defer { connection.close() }
            let other = try PostgresConnection(conninfo)
            defer { other.close() }
            try connection.execute("CREATE TABLE t (n integer, pad text)")
            let pid = try connection.query("SELECT pg_backend_pid()")[0].decode(Int.self, at: 0)
            let pad = String(repeating: "x", count: 1_000)
            let rows = 200_000  // 200 MB: far more than the socket and the send queue hold
            var written = 0
            #expect(throws: PostgresError.self) {
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    for n in 0..<rows {
                        try writer.appendRow([String(n), pad])
                        written = n + 1
                        if n == 1_000 { try other.execute("SELECT pg_terminate_backend($1)", [pid]) }
                    }
                }
            }
            // The failed send stopped the writer long before the end, not the end of the input.
            #expect(written < rows / 2, "\(written) rows written after the server went away")
            #expect(try other.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("a unique violation is SQLSTATE 23505 and a syntax error 42601")
    func sqlStates() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE t (n integer PRIMARY KEY)")
            try connection.execute("INSERT INTO t VALUES ($1)", [1])
            let unique = #expect(throws: PostgresError.self) { try connection.execute("INSERT INTO t VALUES ($1)", [1]) }
            #expect(unique?.code == .server)
            #expect(unique?.sqlState == "23505")
            #expect(unique?.table == "t")
            #expect(unique?.constraint == "t_pkey")
            let syntax = #expect(throws: PostgresError.self) { try connection.execute("SELEC 1") }
            #expect(syntax?.sqlState == "42601")
            #expect(connection.liveResultCount == 0)
        }
    }

    @Test("a transaction whose body throws leaves nothing behind")
    func transactionRollsBack() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE t (n integer)")
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try connection.withTransaction { connection in
                    try connection.execute("INSERT INTO t VALUES (1), (2)")
                    throw Boom()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 0)
            let stored = try connection.withTransaction { connection in
                try connection.execute("INSERT INTO t VALUES (3)").affectedRows
            }
            #expect(stored == 1)
            #expect(try connection.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test("COMMIT after a failed statement is an error, never a silent rollback")
    func commitAfterFailureThrows() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE t (n integer PRIMARY KEY)")
            let error = #expect(throws: PostgresError.self) {
                try connection.withTransaction { connection in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    // A caller that swallows a failure must not get a "successful" commit.
                    _ = try? connection.execute("INSERT INTO t VALUES (1)")
                }
            }
            #expect(error?.code == .transactionRolledBack)
            #expect(try connection.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("NOTIFY reaches a LISTENing connection; the wait is bounded")
    func listenNotify() throws {
        let listener = try TestDatabase.connectToServer()
        let sender = try TestDatabase.connectToServer()
        defer { listener.close(); sender.close() }
        let channel = "ca test \(UUID().uuidString.prefix(8))"
        try listener.listen(channel)
        #expect(try listener.waitForNotification(timeout: .milliseconds(50)) == nil)
        try sender.notify(channel, payload: "hello – \"world\"")
        let notification = try listener.waitForNotification(timeout: .seconds(10))
        #expect(notification?.channel == channel)
        #expect(notification?.payload == "hello – \"world\"")
        #expect(notification?.senderPID == sender.backendPID)
    }

    @Test("a refused connection gives a clear error without the password")
    func refusedConnection() throws {
        let port = try ClosedPort()
        defer { port.close() }
        let url = "postgresql://auditor:Sup3r-s3cret@127.0.0.1:\(port.number)/auditdb?connect_timeout=5"
        let error = #expect(throws: PostgresError.self) { try PostgresConnection(url) }
        #expect(error?.code == .connectionFailed)
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("127.0.0.1:\(port.number)"))
        #expect(text.contains("auditdb"))
        #expect(!text.contains("Sup3r-s3cret"))
        #expect(PostgresConnection.redacted(url) == "postgresql://auditor:***@127.0.0.1:\(port.number)/auditdb?connect_timeout=5")
        #expect(PostgresConnection.redacted("host=x password=abc dbname=y") == "host=x password=*** dbname=y")
        // Text that only looks like a connection string, and remote bodies that echo headers.
        #expect(Redaction.secrets(in: "invalid percent-encoded token: \"postgresql://bob:SeCr%zzEt@db/x\"") == "invalid percent-encoded token: \"postgresql://bob:***@db/x\"")
        #expect(Redaction.secrets(in: "Unexpected argument 'postgresql://bob:pw@[::1:54330/x'") == "Unexpected argument 'postgresql://bob:***@[::1:54330/x'")
        #expect(Redaction.secrets(in: "denied; you sent Authorization: Bearer abc.def") == "denied; you sent Authorization: Bearer ***")
        #expect(Redaction.secrets(in: "token T0KEN-1234 echoed", known: ["T0KEN-1234", "ab"]) == "token *** echoed")
        #expect(Redaction.secrets(in: "Basic Agent profile, user:pass without scheme") == "Basic Agent profile, user:pass without scheme")
    }

    @Test("close is idempotent and a closed connection refuses work")
    func closeTwice() throws {
        let connection = try TestDatabase.connectToServer()
        connection.close()
        connection.close()
        #expect(!connection.isOpen)
        let error = #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(error?.code == .connectionClosed)
    }

    @Test("identifiers are escaped, not spliced")
    func escapedIdentifier() throws {
        try TestDatabase.withConnection { connection in
            let name = try connection.escapeIdentifier("odd \"table\"; DROP")
            #expect(name == "\"odd \"\"table\"\"; DROP\"")
            try connection.execute("CREATE TABLE \(name) (n integer)")
            #expect(try connection.query("SELECT count(*) FROM \(name)")[0].decode(Int.self, at: 0) == 0)
        }
    }
}

/// A TCP port on 127.0.0.1 that is bound but not listening, so a connect is refused.
struct ClosedPort {
    let descriptor: Int32
    let number: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw TestSetupError("could not bind a port on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}


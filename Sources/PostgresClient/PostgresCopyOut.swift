import AuditTime
import CLibPQ

extension PostgresConnection {
    /// Runs `COPY ... TO STDOUT` (text format) and hands each row to `body` as it arrives,
    /// so memory stays flat however large the table.
    ///
    /// If `body` throws, the remaining rows are read and dropped, then the error is rethrown.
    /// - Returns: the number of rows read.
    @discardableResult
    public func copyOut(_ sql: String, _ body: ([String?]) throws -> Void) throws -> Int {
        var rows = 0
        try copyOutMessages(sql) { message in
            try body(PostgresCopyText.fields(of: message))
            rows += 1
        }
        return rows
    }

    /// Runs `COPY ... TO STDOUT (FORMAT binary)` and hands each row to `body` as it
    /// arrives: values in PostgreSQL's binary form, read in place (no text to format on
    /// the server, none to parse here). The row is valid only during the call.
    ///
    /// If `body` throws, the remaining rows are read and dropped, then the error is rethrown.
    /// - Returns: the number of rows read.
    @discardableResult
    public func copyOutBinary(_ sql: String, _ body: (PostgresBinaryRow) throws -> Void) throws -> Int {
        var rows = 0
        var ranges: [Range<Int>?] = []
        var headerSeen = false
        try copyOutMessages(sql) { message in
            var reader = PostgresBinaryReader(message)
            if !headerSeen {
                try reader.skipHeader()
                headerSeen = true
            }
            while !reader.atEnd {
                ranges.removeAll(keepingCapacity: true)
                guard try reader.row(into: &ranges) else { return }  // the trailer
                try body(PostgresBinaryRow(bytes: message, fields: ranges))
                rows += 1
            }
        }
        return rows
    }

    /// Runs a `COPY ... TO STDOUT` and hands each CopyData message to `body`; after a
    /// throw, the rest is read and dropped and the error rethrown.
    private func copyOutMessages(_ sql: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let connection = try connection()
        try startCopy(sql, expecting: PGRES_COPY_OUT)
        var bodyError: (any Error)?
        while true {
            var data: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &data, 0)
            if length == -1 { break }
            guard length >= 0, let data else {
                let message = lastErrorMessage()
                _ = try? drainResults()
                throw PostgresError(.copyFailed, "reading COPY data failed: \(message)")
            }
            defer { PQfreemem(data) }  // Owner: this loop iteration.
            guard bodyError == nil else { continue }
            do {
                try body(UnsafeRawBufferPointer(start: data, count: Int(length)).bindMemory(to: UInt8.self))
            } catch {
                bodyError = error
            }
        }
        try drainResults()
        if let bodyError { throw bodyError }
    }
}

/// One row of a binary `COPY`: each field's bytes in PostgreSQL's binary send format.
public struct PostgresBinaryRow {
    let bytes: UnsafeBufferPointer<UInt8>
    let fields: [Range<Int>?]

    /// How many fields the row has.
    public var count: Int { fields.count }

    /// The raw bytes of field `index`, or `nil` for NULL.
    public func bytes(at index: Int) throws -> UnsafeBufferPointer<UInt8>? {
        guard index < fields.count else {
            throw PostgresError(.decoding, "COPY row has \(fields.count) fields; field \(index) asked for")
        }
        return fields[index].map { UnsafeBufferPointer(rebasing: bytes[$0]) }
    }

    /// A `text` (or `varchar`, `name`) field.
    public func string(at index: Int) throws -> String? {
        try bytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    /// An `integer` field.
    public func int32(at index: Int) throws -> Int32? {
        try integer(at: index, size: 4, "integer").map { Int32(truncatingIfNeeded: $0) }
    }

    /// A `bigint` field.
    public func int64(at index: Int) throws -> Int64? {
        try integer(at: index, size: 8, "bigint")
    }

    /// A `timestamptz` field (microseconds since 2000-01-01 UTC on the wire).
    public func timestamp(at index: Int) throws -> Instant? {
        try integer(at: index, size: 8, "timestamptz").map {
            Instant(microsecondsSinceEpoch: $0 + PostgresBinaryReader.unixEpochIn2000Micros)
        }
    }

    private func integer(at index: Int, size: Int, _ type: String) throws -> Int64? {
        guard let field = try bytes(at: index) else { return nil }
        guard field.count == size else {
            throw PostgresError(.decoding, "binary \(type) field \(index) has \(field.count) bytes, expected \(size)")
        }
        return PostgresBinaryReader.bigEndian(field)
    }
}

/// Walks the binary COPY format: a header once, then rows of length-prefixed fields, then
/// a trailer of -1.
struct PostgresBinaryReader {
    /// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's binary epoch.
    static let unixEpochIn2000Micros: Int64 = 946_684_800_000_000
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xff, 0x0d, 0x0a, 0x00]

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { offset >= bytes.count }

    static func bigEndian(_ field: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: UInt64 = 0
        for byte in field { value = value << 8 | UInt64(byte) }
        // Sign-extend from the field's width.
        let shift = UInt64(64 - 8 * field.count)
        return Int64(bitPattern: value << shift) >> shift
    }

    private mutating func take(_ count: Int) throws -> UnsafeBufferPointer<UInt8> {
        guard count >= 0, offset + count <= bytes.count else {
            throw PostgresError(.decoding, "binary COPY data ends in the middle of a value")
        }
        defer { offset += count }
        return UnsafeBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func skipHeader() throws {
        guard try take(Self.signature.count).elementsEqual(Self.signature) else {
            throw PostgresError(.decoding, "binary COPY data does not start with PostgreSQL's signature")
        }
        _ = try take(4)  // flags
        let extensionLength = Int(Self.bigEndian(try take(4)))
        _ = try take(extensionLength)
    }

    /// Reads one row's field ranges; `false` at the trailer.
    mutating func row(into fields: inout [Range<Int>?]) throws -> Bool {
        let count = Int(Self.bigEndian(try take(2)))
        if count == -1 { return false }
        for _ in 0..<count {
            let length = Int(Self.bigEndian(try take(4)))
            if length == -1 {
                fields.append(nil)
            } else {
                let start = offset
                _ = try take(length)
                fields.append(start..<start + length)
            }
        }
        return true
    }
}

/// Decodes one row of COPY's text format.
enum PostgresCopyText {
    /// Splits a row (with its trailing newline) into fields, unescaping each; `\N` is `nil`.
    static func fields(of row: UnsafeBufferPointer<UInt8>) -> [String?] {
        var end = row.count
        if end > 0, row[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        var fields: [String?] = []
        var start = 0
        // Most fields have no backslash: they become strings straight from the row.
        while true {
            var stop = start
            var escaped = false
            while stop < end, row[stop] != UInt8(ascii: "\t") {
                if row[stop] == UInt8(ascii: "\\") { escaped = true }
                stop += 1
            }
            let field = UnsafeBufferPointer(rebasing: row[start..<stop])
            if !escaped {
                fields.append(String(decoding: field, as: UTF8.self))
            } else if field.count == 2, field[1] == UInt8(ascii: "N") {
                fields.append(nil)
            } else {
                fields.append(unescape(field))
            }
            if stop >= end { return fields }
            start = stop + 1
        }
    }

    /// One field with backslash escapes, decoded.
    private static func unescape(_ row: UnsafeBufferPointer<UInt8>) -> String {
        let end = row.count
        var field: [UInt8] = []
        field.reserveCapacity(end)
        var index = 0
        while index < end {
            let byte = row[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < end else {
                field.append(byte)
                index += 1
                continue
            }
            let next = row[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "t"): field.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "n"): field.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "r"): field.append(UInt8(ascii: "\r"))
            case UInt8(ascii: "b"): field.append(8)
            case UInt8(ascii: "f"): field.append(12)
            case UInt8(ascii: "v"): field.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                // Up to three octal digits.
                var value = Int(next - 48)
                var digits = 1
                while digits < 3, index < end, row[index] >= 48, row[index] <= 55 {
                    value = value * 8 + Int(row[index] - 48)
                    index += 1
                    digits += 1
                }
                field.append(UInt8(truncatingIfNeeded: value))
            default: field.append(next)
            }
        }
        return String(decoding: field, as: UTF8.self)
    }
}

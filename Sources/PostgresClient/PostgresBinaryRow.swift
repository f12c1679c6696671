import AuditTime
import CLibPQ

/// One row of a binary `COPY`: each field's bytes in PostgreSQL's binary send format.
package struct PostgresBinaryRow {
    let bytes: UnsafeBufferPointer<UInt8>
    let fields: [Range<Int>?]

    /// How many fields the row has.
    package var count: Int { fields.count }

    /// The raw bytes of field `index`, or `nil` for NULL.
    package func bytes(at index: Int) throws -> UnsafeBufferPointer<UInt8>? {
        guard index < fields.count else {
            throw PostgresError(.decoding, "COPY row has \(fields.count) fields; field \(index) asked for")
        }
        return fields[index].map { UnsafeBufferPointer(rebasing: bytes[$0]) }
    }

    /// A `text` (or `varchar`, `name`) field.
    package func string(at index: Int) throws -> String? {
        try bytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    /// An `integer` field.
    package func int32(at index: Int) throws -> Int32? {
        try integer(at: index, size: 4, "integer").map { Int32(truncatingIfNeeded: $0) }
    }

    /// A `bigint` field.
    package func int64(at index: Int) throws -> Int64? {
        try integer(at: index, size: 8, "bigint")
    }

    /// A `timestamptz` field (microseconds since 2000-01-01 UTC on the wire).
    package func timestamp(at index: Int) throws -> Instant? {
        try integer(at: index, size: 8, "timestamptz").map {
            Instant(microsecondsSinceEpoch: $0 + PostgresBinaryReader.unixEpochIn2000Micros)
        }
    }

    /// A `jsonb` field's text, in place: its binary form is a format version (1) and then
    /// the text `jsonb` prints (PostgreSQL's `jsonb_send`).
    package func jsonbBytes(at index: Int) throws -> UnsafeBufferPointer<UInt8>? {
        guard let field = try bytes(at: index) else { return nil }
        guard field.first == 1 else {
            throw PostgresError(.decoding, "binary jsonb field \(index) is not in format version 1")
        }
        return UnsafeBufferPointer(rebasing: field.dropFirst())
    }

    /// A `text[]` field of one dimension or none (empty), without NULL elements; the
    /// layout of PostgreSQL's `array_send`: dimensions, a has-NULLs flag, the element type,
    /// each dimension's length and lower bound, then each element's length and bytes.
    package func textArray(at index: Int) throws -> [String]? {
        guard let field = try bytes(at: index) else { return nil }
        func int32(_ offset: Int) throws -> Int {
            guard offset + 4 <= field.count else {
                throw PostgresError(.decoding, "binary array field \(index) ends in the middle of a value")
            }
            return Int(PostgresBinaryReader.bigEndian(UnsafeBufferPointer(rebasing: field[offset..<offset + 4])))
        }
        let dimensions = try int32(0)
        guard dimensions == 0 || dimensions == 1 else {
            throw PostgresError(.decoding, "binary array field \(index) has \(dimensions) dimensions, expected one")
        }
        guard dimensions == 1 else { return [] }
        let count = try int32(12)
        guard count >= 0 else { throw PostgresError(.decoding, "binary array field \(index) has a negative length") }
        var elements: [String] = []
        elements.reserveCapacity(count)
        var offset = 20
        for _ in 0..<count {
            let length = try int32(offset)
            guard length >= 0, offset + 4 + length <= field.count else {
                throw PostgresError(.decoding, "binary array field \(index) has a NULL or truncated element")
            }
            elements.append(String(decoding: UnsafeBufferPointer(rebasing: field[offset + 4..<offset + 4 + length]), as: UTF8.self))
            offset += 4 + length
        }
        return elements
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

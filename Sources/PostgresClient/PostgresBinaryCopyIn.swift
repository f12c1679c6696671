import AuditTime
import CLibPQ

/// Encodes rows in `COPY ... FROM STDIN (FORMAT binary)` format: each field in its type's
/// binary receive form, so the server parses no text. The format: PostgreSQL's documentation, "COPY",
/// "Binary Format"; each type's form: its `*_recv` function (`array_recv`,
/// `timestamptz_recv`, `jsonb_recv`).
///
/// Each row holds exactly the `columns` given at the start, each appended with the method
/// for its column's type, then `endRow()`. The server checks the width of fixed-size values
/// and the element type of arrays, so most mismatches are errors; text sent to a `bytea`
/// column would not be one, which is why `ProfileColumns` and `EventColumns` name each
/// column's method beside its name and their tests read the rows back.
package struct PostgresBinaryCopyInWriter: ~Copyable {
    private let sink: CopyInSink
    /// The rows not yet sent, written through a raw pointer: appending each 4-byte length
    /// to an array would check its capacity and uniqueness every time.
    private var bytes = RawBytes(capacity: CopyInSink.flushThreshold + 64 * 1024)
    private let columns: Int
    private var fieldsInRow = 0
    /// Rows ended so far.
    package private(set) var rowCount = 0

    /// The OID of `text`, the element type of every array written here.
    private static let textOID: Int32 = 25

    init(columns: Int, sink: CopyInSink) {
        self.columns = columns
        self.sink = sink
        // The signature, no flags, no header extension.
        PostgresBinaryReader.signature.withUnsafeBytes { bytes.append($0) }
        append(Int32(0))
        append(Int32(0))
    }

    /// A `text` field (also an enum's label), or `NULL`.
    package mutating func text(_ value: String?) {
        guard var value else { return null() }
        startField()
        value.withUTF8 { text in
            append(Int32(text.count))
            bytes.append(UnsafeRawBufferPointer(text))
        }
    }

    /// An `integer` field, or `NULL`.
    package mutating func int32(_ value: Int32?) {
        guard let value else { return null() }
        startField()
        append(Int32(4))
        append(value)
    }

    /// A `bigint` field, or `NULL`.
    package mutating func int64(_ value: Int64?) {
        guard let value else { return null() }
        startField()
        append(Int32(8))
        append(value)
    }

    /// A `boolean` field.
    package mutating func bool(_ value: Bool) {
        startField()
        append(Int32(1))
        append(UInt8(value ? 1 : 0))
    }

    /// A `timestamptz` field (microseconds since 2000-01-01 UTC), or `NULL`.
    package mutating func timestamp(_ value: Instant?) {
        int64(value.map { $0.microsecondsSinceEpoch - PostgresBinaryReader.unixEpochIn2000Micros })
    }

    /// A `bytea` field, or `NULL`.
    package mutating func bytea(_ value: UnsafeRawBufferPointer?) {
        guard let value else { return null() }
        startField()
        append(Int32(value.count))
        bytes.append(value)
    }

    /// A `jsonb` field from its JSON text (format version 1), or `NULL`.
    package mutating func jsonb(_ value: String?) {
        guard var value else { return null() }
        startField()
        value.withUTF8 { text in
            append(Int32(text.count + 1))
            append(UInt8(1))
            bytes.append(UnsafeRawBufferPointer(text))
        }
    }

    /// A `text[]` field: one dimension from 1 (none when empty), no NULL element.
    package mutating func textArray(_ values: [String]) {
        startField()
        let lengthAt = bytes.count
        append(Int32(0))  // the field's length, set below
        append(Int32(values.isEmpty ? 0 : 1))  // dimensions
        append(Int32(0))  // flags: no NULL element
        append(Self.textOID)
        if !values.isEmpty {
            append(Int32(values.count))
            append(Int32(1))  // lower bound
            for var value in values {
                value.withUTF8 { text in
                    append(Int32(text.count))
                    bytes.append(UnsafeRawBufferPointer(text))
                }
            }
        }
        bytes.set(Int32(bytes.count - lengthAt - 4), at: lengthAt)
    }

    /// Ends the current row, sending the buffer when it is full.
    /// - Throws: `PostgresError` when the row does not hold `columns` fields (a bug here,
    ///   caught before the server reads the row).
    package mutating func endRow() throws {
        guard fieldsInRow == columns else {
            throw PostgresError(.copyFailed, "a binary COPY row has \(fieldsInRow) fields, the COPY \(columns)")
        }
        fieldsInRow = 0
        rowCount += 1
        if bytes.count >= CopyInSink.flushThreshold { try flush() }
    }

    /// Writes the trailer and sends what is buffered.
    mutating func finish() throws {
        append(Int16(-1))
        try flush()
    }

    private mutating func flush() throws {
        try sink.send(bytes.contents)
        bytes.removeAll()
    }

    private mutating func null() {
        startField()
        append(Int32(-1))
    }

    /// Starts a row's field count before its first field.
    private mutating func startField() {
        if fieldsInRow == 0 { append(Int16(columns)) }
        fieldsInRow += 1
    }

    private mutating func append<Integer: FixedWidthInteger>(_ value: Integer) {
        bytes.append(bigEndian: value)
    }
}

/// A growable byte buffer written through a raw pointer.
private struct RawBytes: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    var contents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    mutating func removeAll() { count = 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append<Integer: FixedWidthInteger>(bigEndian value: Integer) {
        reserve(MemoryLayout<Integer>.size)
        base.storeBytes(of: value.bigEndian, toByteOffset: count, as: Integer.self)
        count += MemoryLayout<Integer>.size
    }

    /// Overwrites the 4 bytes at `offset` (a length written before its contents).
    mutating func set(_ value: Int32, at offset: Int) {
        precondition(offset + 4 <= count)
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Int32.self)
    }

    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let grown = max(capacity * 2, count + more)
        let larger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
        larger.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = larger
        capacity = grown
    }
}

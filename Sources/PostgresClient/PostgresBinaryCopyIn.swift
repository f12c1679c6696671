import AuditTime
import CLibPQ

/// Encodes rows in `COPY ... FROM STDIN (FORMAT binary)` format: each field in its type's
/// binary receive form, so the server parses no text (arrays, timestamps and `bytea` in
/// text cost the server a third of a text `COPY`, and formatting them cost the client
/// more; issue 18). The format: PostgreSQL's documentation, "COPY", "Binary Format";
/// each type's form: its `*_recv` function (`array_recv`, `timestamptz_recv`, `jsonb_recv`).
///
/// Each row holds exactly the `columns` given at the start, each appended with the method
/// for its column's type: the server checks the sizes and element types it receives, so a
/// mismatch is an error, never a wrong value. Then `endRow()`.
package struct PostgresBinaryCopyInWriter: ~Copyable {
    private var sink: CopyInSink
    private let columns: Int
    private var fieldsInRow = 0
    /// Rows ended so far.
    package private(set) var rowCount = 0

    /// The OID of `text`, the element type of every array written here.
    private static let textOID: Int32 = 25

    init(columns: Int, connection: OpaquePointer, lastError: @escaping () -> String) {
        self.columns = columns
        sink = CopyInSink(connection: connection, lastError: lastError)
        // The signature, no flags, no header extension.
        sink.buffer.append(contentsOf: PostgresBinaryReader.signature)
        append(Int32(0))
        append(Int32(0))
    }

    /// A `text` field (also an enum's label), or `NULL`.
    package mutating func text(_ value: String?) {
        guard var value else { return null() }
        startField()
        value.withUTF8 { bytes in
            append(Int32(bytes.count))
            sink.buffer.append(contentsOf: bytes)
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
        sink.buffer.append(value ? 1 : 0)
    }

    /// A `timestamptz` field (microseconds since 2000-01-01 UTC), or `NULL`.
    package mutating func timestamp(_ value: Instant?) {
        int64(value.map { $0.microsecondsSinceEpoch - PostgresBinaryReader.unixEpochIn2000Micros })
    }

    /// A `bytea` field, or `NULL`.
    package mutating func bytea(_ bytes: UnsafeRawBufferPointer?) {
        guard let bytes else { return null() }
        startField()
        append(Int32(bytes.count))
        sink.buffer.append(contentsOf: bytes)
    }

    /// A `jsonb` field from its JSON text (format version 1), or `NULL`.
    package mutating func jsonb(_ value: String?) {
        guard var value else { return null() }
        startField()
        value.withUTF8 { bytes in
            append(Int32(bytes.count + 1))
            sink.buffer.append(1)
            sink.buffer.append(contentsOf: bytes)
        }
    }

    /// A `text[]` field: one dimension from 1 (none when empty), no NULL element.
    package mutating func textArray(_ values: [String]) {
        startField()
        let lengthAt = sink.buffer.count
        append(Int32(0))  // the field's length, set below
        append(Int32(values.isEmpty ? 0 : 1))  // dimensions
        append(Int32(0))  // flags: no NULL element
        append(Self.textOID)
        if !values.isEmpty {
            append(Int32(values.count))
            append(Int32(1))  // lower bound
            for var value in values {
                value.withUTF8 { bytes in
                    append(Int32(bytes.count))
                    sink.buffer.append(contentsOf: bytes)
                }
            }
        }
        set(Int32(sink.buffer.count - lengthAt - 4), at: lengthAt)
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
        try sink.flushIfFull()
    }

    /// Writes the trailer and sends what is buffered.
    mutating func finish() throws {
        append(Int16(-1))
        try sink.flush()
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
        withUnsafeBytes(of: value.bigEndian) { sink.buffer.append(contentsOf: $0) }
    }

    private mutating func set(_ value: Int32, at offset: Int) {
        withUnsafeBytes(of: value.bigEndian) { bytes in
            for index in 0..<4 { sink.buffer[offset + index] = bytes[index] }
        }
    }
}

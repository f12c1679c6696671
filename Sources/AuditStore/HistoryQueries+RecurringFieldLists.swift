import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading

/// The report's table of changed-field lists that recur.
extension HistoryQueries {
    /// The lists of changed fields met so far, by their bytes (the binary form of the
    /// array the server sends, or the diff's field names, each after a zero byte): a year
    /// of changes has a few dozen different lists, each made once and numbered in the rows.
    /// Looked up where the bytes lie, in a table of 2,048 places by a multiplicative hash of
    /// their eight-byte words, then compared: an array made of each row's bytes to look it up
    /// (hashed byte by byte) was 3% of a long report; with `Hasher` and a `Dictionary` of
    /// hashes, `Hasher` was 4.4% of the client's CPU, 1.9% after (the rest is the ordering's
    /// groups; `perf`). The first 1,024 lists are kept; any after are made each time.
    struct RecurringFieldLists {
        private var places = [(bytes: [UInt8], number: Int32)?](repeating: nil, count: 2_048)
        private var count = 0
        /// The names of a diff, each after a zero byte (never in a name `fieldNames` gives).
        private var names: [UInt8] = []
        private var storedFields = ProfileDiff.StoredFields()

        /// The number of the array field `index` of `row` holds; `nil` for NULL.
        mutating func list(_ row: PostgresBinaryRow, at index: Int, in rows: inout ReportRows) throws -> Int32? {
            guard let bytes = try row.bytes(at: index) else { return nil }
            let found = find(bytes)
            if let number = found.number { return number }
            guard let list = try row.textArray(at: index) else { return nil }
            return keep(bytes, at: found.place, rows.fieldList(list))
        }

        /// The number of the list of names of the changes of `diff` (a stored diff's text).
        /// - Throws: `StoreError.tampered` when `diff` is no field diff.
        mutating func list(namedIn diff: UnsafeBufferPointer<UInt8>, in rows: inout ReportRows) throws -> Int32 {
            names.removeAll(keepingCapacity: true)
            let read = ProfileDiff.fieldNames(of: diff, fields: &storedFields) { name in
                names.append(0)
                names.append(contentsOf: name)
            }
            guard read else {
                // Names the fast reading leaves (escaped, not ASCII) are read by Foundation.
                let text = String(decoding: diff, as: UTF8.self)
                guard let decoded = ProfileDiff(json: text) else {
                    throw StoreError.tampered("an event's diff is not a field diff: \(text.prefix(80))")
                }
                return rows.fieldList(decoded.changedFields)
            }
            let key = names
            return key.withUnsafeBufferPointer { key in
                let found = find(key)
                if let number = found.number { return number }
                return keep(key, at: found.place, rows.fieldList(key.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }))
            }
        }

        /// The number of the list whose bytes are `bytes`, if met, else the place to keep it.
        private func find(_ bytes: UnsafeBufferPointer<UInt8>) -> (number: Int32?, place: Int) {
            var place = Self.hash(bytes) & (places.count - 1)
            while let known = places[place] {
                if known.bytes.count == bytes.count
                    && (bytes.isEmpty || known.bytes.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                    return (known.number, place)
                }
                place = (place + 1) & (places.count - 1)
            }
            return (nil, place)
        }

        /// Keeps `number` for `bytes` at `place` (while fewer than 1,024 are kept); `number`.
        private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>, at place: Int, _ number: Int32) -> Int32 {
            if count < 1_024 {
                places[place] = (Array(bytes), number)
                count += 1
            }
            return number
        }

        /// Not for an adversary: a history has a few dozen lists, and a collision costs a
        /// comparison.
        private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var hash = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
            var offset = 0
            func mix(_ word: UInt64) {
                hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
                hash ^= hash >> 31
            }
            while bytes.count - offset >= 8 {
                mix(UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
                offset += 8
            }
            var tail: UInt64 = 0
            for byte in bytes[offset...] { tail = tail << 8 | UInt64(byte) }
            mix(tail)
            return Int(truncatingIfNeeded: hash >> 11)
        }
    }
}

import AuditCore
import AuditModel
import AuditTime
import ByteKernels
import Foundation
import PostgresClient
import ReportRendering
import SnapshotReading

/// The report's table of changed-field lists that recur.
extension HistoryQueries {
    /// The lists of changed fields met so far, by their bytes (the binary form of the
    /// array the server sends, or the diff's field names, each after a zero byte): a year
    /// of changes has a few dozen different lists, each made once and numbered in the rows,
    /// looked up where the bytes lie (`ByteKeyedTable`). The first 1,024 lists are kept;
    /// any after are made each time.
    struct RecurringFieldLists {
        private let numbers = ByteKeyedTable<Int32>(slots: 2_048, capacity: 1_024, probes: 2_048)
        /// The names of a diff, each after a zero byte (never in a name `fieldNames` gives).
        private var names: [UInt8] = []
        private var storedFields = ProfileDiff.StoredFields()

        /// The number of the array field `index` of `row` holds; `nil` for NULL.
        mutating func list(_ row: PostgresBinaryRow, at index: Int, in rows: inout ReportRows) throws -> Int32? {
            guard let bytes = try row.bytes(at: index) else { return nil }
            var failure: (any Error)?
            let number = numbers.value(for: bytes) { _ in
                do {
                    guard let list = try row.textArray(at: index) else { return -1 }
                    return rows.fieldList(list)
                } catch {
                    failure = error
                    return -1
                }
            }
            if let failure { throw failure }
            return number < 0 ? nil : number
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
            return numbers.value(for: names) { key in
                rows.fieldList(key.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
            }
        }
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation

/// A report's changes, compact: each one's key, name, account and diff (as `ProfileDiff.json`
/// writes it) as bytes in one buffer (one per part read on its own, `append(contentsOf:)`), its classification, time and id as numbers, and its
/// changed fields as the number of a list it shares with every change of the same fields.
/// What a report holds of millions of changes: made into `ReportItem`s only for the
/// renderers that show them one by one, and written as JSON from its bytes. A year of
/// 1,000,000 profiles is 3.4 million changes, which as `ReportItem`s (each with half a
/// dozen strings and a dictionary) took longer to make, sort and free than the whole JSON
/// report may take.
package struct ReportRows: Sendable {
    /// One change: where its text lies in `parts[part]` (key, name, account, diff, one
    /// after the other), and the rest as values.
    package struct Row: Sendable {
        var id: Int64?
        var time: Int64?
        var part: Int
        var start: Int
        var keyCount: Int32
        /// -1: no name (or account).
        var nameCount: Int32
        var accountCount: Int32
        var diffCount: Int32
        var fieldList: Int32
        package var kind: ChangeKind
        package var drift: DriftClass
        package var severity: Severity

        var keyStart: Int { start }
        var nameStart: Int { start + Int(keyCount) }
        var accountStart: Int { nameStart + Int(max(nameCount, 0)) }
        var diffStart: Int { accountStart + Int(max(accountCount, 0)) }
    }

    package private(set) var rows: [Row] = []
    /// The rows' text; rows are appended to the last part.
    private var parts: [[UInt8]] = [[]]
    /// The lists of changed fields, each once, and each as JSON.
    private(set) var fieldLists: [[String]] = []
    private(set) var fieldListsJSON: [[UInt8]] = []
    private var fieldListNumbers: [[String]: Int32] = [:]
    /// Who made each change, by row, where CloudTrail says so.
    private(set) var attributions: [Int: [Attribution]] = [:]
    /// How many users held each change's profile then, by row, where users are known.
    private(set) var holders: [Int: Int] = [:]
    /// Kept between diffs (`ProfileDiff.writeJSON(stored:fields:into:)`).
    private var storedFields = ProfileDiff.StoredFields()

    package init() {}

    /// Rows with room for about `expected` rows and their text, so that they are not
    /// copied as they grow (the room not used costs address space, not memory). The
    /// expectation comes from the snapshots' counts: at most 8 million rows' room is taken
    /// on its word (a wrong count then costs growth, not a failed allocation).
    package init(expected: Int) {
        let expected = min(max(expected, 0), 1 << 23)
        rows.reserveCapacity(expected)
        parts[0].reserveCapacity(expected * Self.expectedBytesPerRow)
        rows.adviseHugePages()
        parts[0].adviseHugePages()
    }

    /// Room per row: a year of 1,000,000 profiles' changes take about 350 bytes each.
    private static let expectedBytesPerRow = 512

    /// The rows of `items`, in their order.
    package init(_ items: [ReportItem]) {
        for item in items { append(item) }
    }

    package var count: Int { rows.count }

    /// How many parts the rows' text lies in (one, or one per part read on its own).
    package var partCount: Int { parts.count }

    /// Appends `item`.
    package mutating func append(_ item: ReportItem) {
        let part = parts.count - 1
        let start = parts[part].count
        parts[part].append(contentsOf: item.key.utf8)
        parts[part].append(contentsOf: (item.name ?? "").utf8)
        parts[part].append(contentsOf: (item.accountID ?? "").utf8)
        let diffStart = parts[part].count
        parts[part].append(contentsOf: item.diff.json.utf8)
        if !item.attributions.isEmpty { attributions[rows.count] = item.attributions }
        if let count = item.holders { holders[rows.count] = count }
        rows.append(Row(
            id: item.eventID, time: item.observedAt?.microsecondsSinceEpoch, part: part, start: start, keyCount: Int32(item.key.utf8.count),
            nameCount: item.name.map { Int32($0.utf8.count) } ?? -1, accountCount: item.accountID.map { Int32($0.utf8.count) } ?? -1,
            diffCount: Int32(parts[part].count - diffStart), fieldList: fieldList(item.changedFields),
            kind: item.kind, drift: item.drift, severity: item.severity))
    }

    /// Appends a change read from the store, its diff as stored (as `ProfileDiff.json`
    /// wrote it, or as `jsonb` prints it) and its changed fields as the number
    /// `fieldList(_:)` gave them. `false`, with nothing appended, when the diff is not a
    /// field diff.
    package mutating func append(
        id: Int64, key: UnsafeBufferPointer<UInt8>, name: UnsafeBufferPointer<UInt8>?, accountID: UnsafeBufferPointer<UInt8>?,
        kind: ChangeKind, observedAt: Instant, drift: DriftClass, severity: Severity, fieldList: Int32,
        storedDiff: UnsafeBufferPointer<UInt8>, canonical: Bool = false
    ) -> Bool {
        let part = parts.count - 1
        let start = parts[part].count
        parts[part].append(contentsOf: key)
        if let name { parts[part].append(contentsOf: name) }
        if let accountID { parts[part].append(contentsOf: accountID) }
        let diffStart = parts[part].count
        if canonical {
            parts[part].append(contentsOf: storedDiff)
        } else if !ProfileDiff.writeJSON(stored: storedDiff, fields: &storedFields, into: &parts[part]) {
            guard let diff = ProfileDiff(json: String(decoding: storedDiff, as: UTF8.self)) else {
                parts[part].removeSubrange(start...)
                return false
            }
            parts[part].append(contentsOf: diff.json.utf8)
        }
        rows.append(Row(
            id: id, time: observedAt.microsecondsSinceEpoch, part: part, start: start, keyCount: Int32(key.count),
            nameCount: name.map { Int32($0.count) } ?? -1, accountCount: accountID.map { Int32($0.count) } ?? -1,
            diffCount: Int32(parts[part].count - diffStart), fieldList: fieldList, kind: kind, drift: drift, severity: severity))
        return true
    }

    /// Appends the rows of `other`, its text kept where it is (not copied into this
    /// buffer): rows read on two connections at once become one report.
    package mutating func append(contentsOf other: ReportRows) {
        let (firstPart, firstRow) = (parts.count, rows.count)
        parts += other.parts
        let lists = other.fieldLists.map { fieldList($0) }
        rows.reserveCapacity(rows.count + other.rows.count)
        for var row in other.rows {
            row.part += firstPart
            row.fieldList = lists[Int(row.fieldList)]
            rows.append(row)
        }
        for (index, found) in other.attributions { attributions[firstRow + index] = found }
        for (index, count) in other.holders { holders[firstRow + index] = count }
    }

    /// The number of a list of changed fields, given once per list.
    package mutating func fieldList(_ list: [String]) -> Int32 {
        if let number = fieldListNumbers[list] { return number }
        let number = Int32(fieldLists.count)
        fieldLists.append(list)
        var json: [UInt8] = []
        CanonicalJSON.write(list, into: &json)
        fieldListsJSON.append(json)
        fieldListNumbers[list] = number
        return number
    }

    /// Sets who made each change, by event id.
    package mutating func attribute(_ found: [Int64: [Attribution]]) {
        guard !found.isEmpty else { return }
        for index in rows.indices {
            if let id = rows[index].id, let attributions = found[id] { self.attributions[index] = attributions }
        }
    }

    /// Sets how many users held each change's profile, by event id.
    package mutating func countHolders(_ found: [Int64: Int]) {
        guard !found.isEmpty else { return }
        for index in rows.indices {
            if let id = rows[index].id, let count = found[id] { holders[index] = count }
        }
    }

    /// The event ids of the rows.
    package var eventIDs: [Int64] { rows.compactMap(\.id) }

    /// A row's diff that does not read as a field diff: one taken as the store's canonical
    /// text (`append(..., canonical: true)`) that is not (a history edited in place, which
    /// `verify` names).
    package struct UnreadableDiff: Error, CustomStringConvertible {
        package var eventID: Int64?
        package var text: String
        package var description: String {
            "event #\(eventID.map(String.init) ?? "-")'s stored diff is not a field diff (\(text.prefix(80))); run connect-audit verify to see what in the history was edited"
        }
    }

    /// Row `index` as an item.
    /// - Throws: `UnreadableDiff` when its diff does not read back.
    package func item(at index: Int) throws -> ReportItem {
        let row = rows[index]
        func text(_ start: Int, _ count: Int32) -> String? {
            count < 0 ? nil : parts[row.part].withUnsafeBufferPointer { String(decoding: $0[start..<(start + Int(count))], as: UTF8.self) }
        }
        // Written by `ProfileDiff.json` (or `writeJSON(stored:)`, the same), which it reads
        // back, or the store's canonical text, taken as it lies.
        guard let diff = text(row.diffStart, row.diffCount).flatMap(ProfileDiff.init(json:)) else {
            throw UnreadableDiff(eventID: row.id, text: text(row.diffStart, row.diffCount) ?? "")
        }
        var item = ReportItem(
            eventID: row.id, key: text(row.keyStart, row.keyCount)!, name: text(row.nameStart, row.nameCount),
            accountID: text(row.accountStart, row.accountCount), kind: row.kind,
            observedAt: row.time.map(Instant.init(microsecondsSinceEpoch:)), drift: row.drift, severity: row.severity,
            changedFields: fieldLists[Int(row.fieldList)], diff: diff)
        item.attributions = attributions[index] ?? []
        item.holders = holders[index]
        return item
    }

    /// Every row as an item, in order.
    package var items: [ReportItem] { get throws { try rows.indices.map(item(at:)) } }

    /// Calls `body` with the bytes the rows' text lies in, part by part.
    func withParts<Result>(_ body: ([UnsafeBufferPointer<UInt8>]) throws -> Result) rethrows -> Result {
        func with(_ from: Int, _ taken: [UnsafeBufferPointer<UInt8>]) throws -> Result {
            guard from < parts.count else { return try body(taken) }
            return try parts[from].withUnsafeBufferPointer { try with(from + 1, taken + [$0]) }
        }
        return try with(0, [])
    }
}

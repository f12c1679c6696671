import AuditModel
import AuditTime
import ByteKernels

/// Writes events of the JSON report from `ReportRows`, as bytes: the diff and the list of
/// changed fields copied as the rows hold them (already JSON), the text escaped, the
/// keys as `JSONEventKey` lists them.
///
/// It writes through a pointer into room made beforehand for every event it is given
/// (`bound(of:in:)`), each event's room checked before it is written: appended piece by
/// piece to an array, checking the array's room and uniqueness and retaining its storage
/// cost a fifth of a long report's time.
struct JSONEventWriter {
    private let rows: ReportRows
    /// The rows' text (`ReportRows.withParts`), valid while the writer is.
    private let parts: [UnsafeBufferPointer<UInt8>]
    private let out: UnsafeMutableBufferPointer<UInt8>
    /// How many bytes of `out` are written.
    private(set) var count = 0
    /// The last time written, and its text: the events of a night share one.
    private var lastTime: Int64?
    private var lastTimeText: [UInt8] = []

    /// A writer to `out`, which has room for the bounds of the events it will be given.
    init(rows: ReportRows, parts: [UnsafeBufferPointer<UInt8>], into out: UnsafeMutableBufferPointer<UInt8>) {
        self.rows = rows
        self.parts = parts
        self.out = out
    }

    /// The most bytes `writeEvent(row: index)` writes, with a comma before it.
    static func bound(of index: Int, in rows: ReportRows) -> Int {
        let row = rows.rows[index]
        func text(_ count: Int32) -> Int { CanonicalJSON.stringBound(Int(max(count, 2))) }
        var bound = JSONEventKey.fixedBound + text(row.keyCount) + text(row.nameCount) + text(row.accountCount)
            + Int(row.diffCount) + rows.fieldListsJSON[Int(row.fieldList)].count
        if !rows.attributions.isEmpty, let attributions = rows.attributions[index] {
            bound += attributions.reduce(0) { $0 + $1.json.utf8.count + 1 }
        }
        return bound
    }

    /// One event, its keys in `JSONEventKey`'s order (`attribution`: who made it, from
    /// CloudTrail, `[]` when unknown; `holders`: how many users held the profile then,
    /// `null` when no user snapshot is known); a comma before it unless it is the `first`.
    mutating func writeEvent(row index: Int, first: Bool) {
        // The room checked before, and the event's bytes after (a bound too small stops the
        // report at the first event that shows it).
        let (bound, start) = (Self.bound(of: index, in: rows), count)
        precondition(out.count - count >= bound, "a JSON report's room was made too small for its events")
        defer { precondition(count - start <= bound, "a JSON report's event took more than its bound") }
        let row = rows.rows[index]
        let bytes = parts[row.part]
        if !first { put(",") }
        for position in JSONEventKey.ordered.indices {
            JSONEventKey.prefixes.withUnsafeBufferPointer { $0[position].withUnsafeBufferPointer { put($0) } }
            switch JSONEventKey.ordered[position] {
            case .accountID: writeText(bytes, row.accountStart, row.accountCount)
            case .attribution:
                put("[")
                if !rows.attributions.isEmpty {
                    for (position, attribution) in (rows.attributions[index] ?? []).enumerated() {
                        if position > 0 { put(",") }
                        var json = attribution.json
                        json.withUTF8 { put($0) }
                    }
                }
                put("]")
            case .changedFields: rows.fieldListsJSON[Int(row.fieldList)].withUnsafeBufferPointer { put($0) }
            case .diff: put(UnsafeBufferPointer(rebasing: bytes[row.diffStart..<(row.diffStart + Int(row.diffCount))]))
            case .drift: putLabel(row.drift.rawValue)
            case .holders:
                if let holders = rows.holders.isEmpty ? nil : rows.holders[index] {
                    withDecimalText(Int64(holders)) { text in put(text.assumingMemoryBound(to: UInt8.self)) }
                } else {
                    put("null")
                }
            case .id: if let id = row.id { withDecimalText(id) { text in put(text.assumingMemoryBound(to: UInt8.self)) } } else { put("null") }
            case .kind: putLabel(row.kind.rawValue)
            case .observedAt: writeTime(row.time)
            case .profileKey: writeText(bytes, row.keyStart, row.keyCount)
            case .profileName: writeText(bytes, row.nameStart, row.nameCount)
            case .severity: putLabel(row.severity.rawValue)
            }
        }
        put("}")
    }

    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        (out.baseAddress! + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    private mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A kind's, drift's or severity's label, quoted (short: stored in the `String` itself).
    private mutating func putLabel(_ label: String) {
        var label = label
        put("\"")
        label.withUTF8 { put($0) }
        put("\"")
    }

    /// A JSON string of the text at `start`, or `null` (count -1).
    private mutating func writeText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int32) {
        guard count >= 0 else { return put("null") }
        self.count += JSONString.write(
            UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(count))]), to: out.baseAddress! + self.count)
    }

    private mutating func writeTime(_ time: Int64?) {
        guard let time else { return put("null") }
        if time != lastTime {
            lastTime = time
            lastTimeText.removeAll(keepingCapacity: true)
            lastTimeText.append(UInt8(ascii: "\""))
            Instant(microsecondsSinceEpoch: time).writeISO8601(into: &lastTimeText)
            lastTimeText.append(UInt8(ascii: "\""))
        }
        let text = lastTimeText
        text.withUnsafeBufferPointer { put($0) }
    }
}

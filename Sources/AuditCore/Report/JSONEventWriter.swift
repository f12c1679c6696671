import AuditModel
import AuditTime

/// Writes events of the JSON report from `ReportRows`, as bytes: the diff and the list of
/// changed fields copied as the rows hold them (already JSON), the text escaped, the
/// keys in order (`ReportRenderer.json` lists them).
///
/// It writes through a pointer into room made beforehand for every event it is given
/// (`bound(of:in:)`), each event's room checked before it is written. Appended piece by
/// piece to an array, a year of 1,000,000 profiles' events (3.4 million, 2 GB) spent about
/// a fifth of the client's CPU checking the array's room and uniqueness and retaining and
/// releasing its storage (`perf`: `Array.append(contentsOf:)` 6.3%, `swift_retain` and
/// `swift_release` 8.1%, the uniqueness checks 2.2%).
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

    /// The bytes of the fixed text of an event (its keys and punctuation, 145 bytes), the
    /// labels of its kind, drift and severity (27 bytes at most), its id (at most 20), its
    /// time (quoted, at most 32: a year of up to seven characters) and the comma before it:
    /// 225, rounded up.
    private static let fixedBound = 256

    /// The most bytes `writeEvent(row: index)` writes, with a comma before it.
    static func bound(of index: Int, in rows: ReportRows) -> Int {
        let row = rows.rows[index]
        func text(_ count: Int32) -> Int { CanonicalJSON.stringBound(Int(max(count, 2))) }
        var bound = fixedBound + text(row.keyCount) + text(row.nameCount) + text(row.accountCount)
            + Int(row.diffCount) + rows.fieldListsJSON[Int(row.fieldList)].count
        if !rows.attributions.isEmpty, let attributions = rows.attributions[index] {
            bound += attributions.reduce(0) { $0 + $1.json.utf8.count + 1 }
        }
        return bound
    }

    /// One event, its keys in order: `account_id`, `attribution` (who made it, from
    /// CloudTrail, `[]` when unknown), `changed_fields`, `diff`, `drift`, `id`, `kind`,
    /// `observed_at`, `profile_key`, `profile_name`, `severity`; a comma before it unless it
    /// is the `first`.
    mutating func writeEvent(row index: Int, first: Bool) {
        // The room checked before, and the event's bytes after (a bound too small stops the
        // report at the first event that shows it).
        let (bound, start) = (Self.bound(of: index, in: rows), count)
        precondition(out.count - count >= bound, "a JSON report's room was made too small for its events")
        defer { precondition(count - start <= bound, "a JSON report's event took more than its bound") }
        let row = rows.rows[index]
        let bytes = parts[row.part]
        if !first { put(",") }
        put("{\"account_id\":")
        writeText(bytes, row.accountStart, row.accountCount)
        put(",\"attribution\":[")
        if !rows.attributions.isEmpty {
            for (position, attribution) in (rows.attributions[index] ?? []).enumerated() {
                if position > 0 { put(",") }
                var json = attribution.json
                json.withUTF8 { put($0) }
            }
        }
        put("],\"changed_fields\":")
        rows.fieldListsJSON[Int(row.fieldList)].withUnsafeBufferPointer { put($0) }
        put(",\"diff\":")
        put(UnsafeBufferPointer(rebasing: bytes[row.diffStart..<(row.diffStart + Int(row.diffCount))]))
        put(",\"drift\":\"")
        putLabel(row.drift.rawValue)
        put("\",\"id\":")
        if let id = row.id { withDecimalText(id) { text in put(text.assumingMemoryBound(to: UInt8.self)) } } else { put("null") }
        put(",\"kind\":\"")
        putLabel(row.kind.rawValue)
        put("\",\"observed_at\":")
        writeTime(row.time)
        put(",\"profile_key\":")
        writeText(bytes, row.keyStart, row.keyCount)
        put(",\"profile_name\":")
        writeText(bytes, row.nameStart, row.nameCount)
        put(",\"severity\":\"")
        putLabel(row.severity.rawValue)
        put("\"}")
    }

    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        (out.baseAddress! + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    private mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A kind's, drift's or severity's label (short: stored in the `String` itself).
    private mutating func putLabel(_ label: String) {
        var label = label
        label.withUTF8 { put($0) }
    }

    /// A JSON string of the text at `start`, or `null` (count -1).
    private mutating func writeText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int32) {
        guard count >= 0 else { return put("null") }
        self.count += CanonicalJSON.writeString(
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

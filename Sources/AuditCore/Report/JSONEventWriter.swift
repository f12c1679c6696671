import AuditModel
import AuditTime

/// Writes events of the JSON report from `ReportRows`, as bytes: the diff and the list of
/// changed fields copied as the rows hold them (already JSON), the text escaped, the
/// keys in order (`ReportRenderer.json` lists them).
struct JSONEventWriter {
    let rows: ReportRows
    /// The rows' text (`ReportRows.withParts`), valid while the writer is.
    let parts: [UnsafeBufferPointer<UInt8>]
    var out: [UInt8] = []
    /// The last time written, and its text: the events of a night share one.
    private var lastTime: Int64?
    private var lastTimeText: [UInt8] = []

    init(rows: ReportRows, parts: [UnsafeBufferPointer<UInt8>]) {
        self.rows = rows
        self.parts = parts
    }

    /// One event, its keys in order: `account_id`, `attribution` (who made it, from
    /// CloudTrail, `[]` when unknown), `changed_fields`, `diff`, `drift`, `id`, `kind`,
    /// `observed_at`, `profile_key`, `profile_name`, `severity`.
    mutating func writeEvent(row index: Int) {
        let row = rows.rows[index]
        let bytes = parts[row.part]
        do {
            append("{\"account_id\":")
            writeText(bytes, row.accountStart, row.accountCount)
            append(",\"attribution\":[")
            if !rows.attributions.isEmpty {
                for (position, attribution) in (rows.attributions[index] ?? []).enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: attribution.json.utf8)
                }
            }
            append("],\"changed_fields\":")
            out.append(contentsOf: rows.fieldListsJSON[Int(row.fieldList)])
            append(",\"diff\":")
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[row.diffStart..<(row.diffStart + Int(row.diffCount))]))
            append(",\"drift\":\"")
            append(row.drift.rawValue)
            append("\",\"id\":")
            append(row.id.map(String.init) ?? "null")
            append(",\"kind\":\"")
            append(row.kind.rawValue)
            append("\",\"observed_at\":")
            writeTime(row.time)
            append(",\"profile_key\":")
            writeText(bytes, row.keyStart, row.keyCount)
            append(",\"profile_name\":")
            writeText(bytes, row.nameStart, row.nameCount)
            append(",\"severity\":\"")
            append(row.severity.rawValue)
            append("\"}")
        }
    }

    /// Appends `text`'s bytes as they lie (a `String`'s UTF-8 view, appended byte by byte,
    /// was 3% of a long report's client CPU with the labels below, `perf`).
    private mutating func append(_ text: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `text`'s UTF-8 as it lies.
    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A JSON string of the text at `start`, or `null` (count -1).
    private mutating func writeText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int32) {
        guard count >= 0 else { return append("null") }
        CanonicalJSON.writeString(UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(count))]), into: &out)
    }

    private mutating func writeTime(_ time: Int64?) {
        guard let time else { return append("null") }
        if time != lastTime {
            lastTime = time
            lastTimeText.removeAll(keepingCapacity: true)
            lastTimeText.append(UInt8(ascii: "\""))
            Instant(microsecondsSinceEpoch: time).writeISO8601(into: &lastTimeText)
            lastTimeText.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: lastTimeText)
    }
}

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
            out.append(contentsOf: "{\"account_id\":".utf8)
            writeText(bytes, row.accountStart, row.accountCount)
            out.append(contentsOf: ",\"attribution\":[".utf8)
            if !rows.attributions.isEmpty {
                for (position, attribution) in (rows.attributions[index] ?? []).enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: attribution.json.utf8)
                }
            }
            out.append(contentsOf: "],\"changed_fields\":".utf8)
            out.append(contentsOf: rows.fieldListsJSON[Int(row.fieldList)])
            out.append(contentsOf: ",\"diff\":".utf8)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[row.diffStart..<(row.diffStart + Int(row.diffCount))]))
            out.append(contentsOf: ",\"drift\":\"".utf8)
            out.append(contentsOf: row.drift.rawValue.utf8)
            out.append(contentsOf: "\",\"id\":".utf8)
            out.append(contentsOf: (row.id.map(String.init) ?? "null").utf8)
            out.append(contentsOf: ",\"kind\":\"".utf8)
            out.append(contentsOf: row.kind.rawValue.utf8)
            out.append(contentsOf: "\",\"observed_at\":".utf8)
            writeTime(row.time)
            out.append(contentsOf: ",\"profile_key\":".utf8)
            writeText(bytes, row.keyStart, row.keyCount)
            out.append(contentsOf: ",\"profile_name\":".utf8)
            writeText(bytes, row.nameStart, row.nameCount)
            out.append(contentsOf: ",\"severity\":\"".utf8)
            out.append(contentsOf: row.severity.rawValue.utf8)
            out.append(contentsOf: "\"}".utf8)
        }
    }

    /// A JSON string of the text at `start`, or `null` (count -1).
    private mutating func writeText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int32) {
        guard count >= 0 else { return out.append(contentsOf: "null".utf8) }
        CanonicalJSON.writeString(UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(count))]), into: &out)
    }

    private mutating func writeTime(_ time: Int64?) {
        guard let time else { return out.append(contentsOf: "null".utf8) }
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

import AuditCore
import AuditModel
import AuditTime
import Dispatch
import Foundation
import Platform
import SnapshotReading

/// Renders a drift report. Pure: the same report gives the same bytes.
package enum ReportRenderer {
    /// - Throws: `ReportRows.UnreadableDiff` when a change's stored diff does not read back
    ///   (text, Markdown and HTML read each diff; JSON prints it as it lies).
    package static func render(_ report: DriftReport, as format: ReportFormat) throws -> String {
        switch format {
        case .text: return try text(report)
        case .markdown: return try markdown(report)
        case .json: return json(report)
        case .html: return try html(report)
        case .ocsf: return try OCSFReport.render(report)
        }
    }

    static func when(_ instant: Instant?) -> String {
        instant?.minuteText ?? "-"
    }

    /// One line per instance whose profiles were discovered (an initial load, not changes).
    /// The lines above the changes: discoveries, and fields first observed.
    static func discoveryLines(_ report: DriftReport) -> [String] {
        report.discoveries.map { found in
            "discovered \(found.profiles) profile(s) in instance \(found.instance)" + (found.accountID.map { " (account \($0))" } ?? "")
                + (found.observedAt.map { ", first observed \($0.minuteText)" } ?? "")
        } + report.firstObservations.map { observed in
            "\(observed.field) first observed for instance \(observed.instance) (snapshot #\(observed.snapshotID), \(observed.observedAt.minuteText)): "
                + "recorded as observed, not as gained or lost"
        }
    }

    /// The section "people whose access widened": one line per user and moment, what they
    /// gained and through which profiles; a line counting those whose access narrowed.
    static func userLines(_ report: DriftReport) -> [String] {
        guard !report.userChanges.isEmpty else { return [] }
        let widened = report.userChanges.filter { $0.drift == .widened }
        var lines = ["People whose access widened: \(widened.count)"]
        for change in widened {
            var moved: [String] = []
            if !change.gained.isEmpty { moved.append("gained " + change.gained.joined(separator: ", ")) }
            if !change.lost.isEmpty { moved.append("lost " + change.lost.joined(separator: ", ")) }
            let via = change.viaNames.isEmpty ? change.via : change.viaNames
            lines.append("  \(change.severity.rawValue)  \(change.at.minuteText)  \(change.username ?? change.userKey)  "
                + moved.joined(separator: "; ") + "  via " + via.joined(separator: ", ") + (change.principal.map { "  by \($0)" } ?? ""))
        }
        let narrowed = report.userChanges.count - widened.count
        if narrowed > 0 { lines.append("People whose access narrowed or otherwise moved: \(narrowed)") }
        return lines
    }

    static func summary(_ report: DriftReport) -> String {
        let counts = report.countsBySeverity.filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }
        let widened = report.countsByDrift.first { $0.0 == .widened }?.1 ?? 0
        return "\(report.itemCount) change(s)" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
            + "; access widened in \(widened)"
    }

    // MARK: text

    /// Aligned columns, readable in a terminal and in a plain-text email; text from the
    /// profiles passes through `TextEscaping.terminal`.
    static func text(_ report: DriftReport) throws -> String {
        let cell = TextEscaping.terminal
        var lines = ["connect-audit: \(cell(report.title))", summary(report)] + discoveryLines(report).map(cell) + [""]
        if !report.userChanges.isEmpty { lines += userLines(report).map(cell) + [""] }
        let items = try report.items
        guard !items.isEmpty else { return (lines + ["No changes."]).joined(separator: "\n") }
        let header = ["SEVERITY", "DRIFT", "KIND", "WHEN", "PROFILE", "ACCOUNT"]
        let rows = items.map { item in
            [item.severity.rawValue, item.drift.rawValue, item.kind.rawValue, when(item.observedAt),
             cell(item.name ?? item.key), cell(item.accountID ?? "-")]
        }
        // Widths in characters, counted once per cell; each cell padded with spaces to its
        // column's width (Foundation's `padding(toLength:)` was a fifth of a year-long text
        // report, and it counts UTF-16 units, so it cut a name with a combining mark short).
        let counts = ([header] + rows).map { $0.map(\.count) }
        let widths = header.indices.map { column in counts.map { $0[column] }.max() ?? 0 }
        func line(_ cells: [String], _ counts: [Int]) -> String {
            var out = ""
            for index in cells.indices {
                if index > 0 { out += "  " }
                out += cells[index]
                if index < cells.count - 1, widths[index] > counts[index] {
                    out += String(repeating: " ", count: widths[index] - counts[index])
                }
            }
            return out
        }
        lines.append(line(header, counts[0]))
        for (position, row) in rows.enumerated() {
            let item = items[position]
            lines.append(line(row, counts[position + 1]))
            for (field, change) in item.diffLines {
                lines.append("    \(cell(field)): \(cell(change))")
            }
            for attribution in item.attributions { lines.append("    changed \(cell(attribution.summary))") }
            if let holders = item.holders { lines.append("    held by \(holders) user\(holders == 1 ? "" : "s")") }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: markdown

    static func markdown(_ report: DriftReport) throws -> String {
        let cell = TextEscaping.markdown
        var head = ["# connect-audit: \(cell(report.title))", "", summary(report), ""]
        if !report.discoveries.isEmpty || !report.firstObservations.isEmpty { head += discoveryLines(report).map { "- \(cell($0))" } + [""] }
        if !report.userChanges.isEmpty {
            let lines = userLines(report)
            head += ["## \(cell(lines[0]))", ""] + lines.dropFirst().map { "- \(cell($0.trimmingCharacters(in: .whitespaces)))" } + [""]
        }
        head += ["| severity | count |", "|---|---|"]
        head += report.countsBySeverity.map { "| \($0.0.rawValue) | \($0.1) |" }
        head.append("")
        let items = try report.items
        guard !items.isEmpty else { return (head + ["No changes."]).joined(separator: "\n") }
        head += ["| severity | drift | kind | when | profile | account | changed |", "|---|---|---|---|---|---|---|"]
        // The table and the field changes written in place, each in one string with room
        // for it (about 150 and 250 bytes an item): an array of lines joined at the end
        // would copy the whole report again.
        var table = head.joined(separator: "\n")
        table.reserveCapacity(table.utf8.count + items.count * 160)
        var details = ""
        details.reserveCapacity(items.count * 260)
        // Field names and lists of them repeat from item to item (and every one has a `_`
        // to escape): each escaped once.
        var escapedNames: [String: String] = [:]
        func name(_ text: String) -> String {
            if let escaped = escapedNames[text] { return escaped }
            let escaped = cell(text)
            escapedNames[text] = escaped
            return escaped
        }
        for item in items {
            let profile = cell(item.name ?? item.key)
            table += "\n| \(item.severity.rawValue) | \(item.drift.rawValue) | \(item.kind.rawValue) | \(when(item.observedAt)) | "
            table += profile
            table += " | \(cell(item.accountID ?? "-")) | \(name(item.changedFields.joined(separator: ", "))) |"
            // Each item's diff lines made once (they were made twice: to filter, then to list).
            let diffLines = item.diffLines
            guard !diffLines.isEmpty || !item.attributions.isEmpty || item.holders != nil else { continue }
            details += "\n- **\(profile)** (\(item.kind.rawValue), \(item.severity.rawValue))"
            for (field, change) in diffLines { details += "\n  - \(name(field)): \(cell(change))" }
            for attribution in item.attributions { details += "\n  - changed \(cell(attribution.summary))" }
            if let holders = item.holders { details += "\n  - held by \(holders) user\(holders == 1 ? "" : "s")" }
        }
        if !details.isEmpty { table += "\n\n## Field changes\n" + details }
        return table
    }

    // MARK: json

    /// Stable fields: `report` (title, from, to, baseline, generated_at), `summary` (total,
    /// by_severity, by_drift), `discovered` (instance, account_id, profiles, first_observed_at),
    /// `user_changes` (user_key, username, at, gained, lost, via, drift, severity, event_id,
    /// event_table, principal: each user whose effective permissions moved),
    /// `events` (id, profile_key, profile_name, account_id, kind,
    /// observed_at, drift, severity, changed_fields, diff, attribution: who made it, from
    /// CloudTrail, `[]` when unknown; holders: how many users held the profile then, `null`
    /// when no user snapshot is known).
    static func json(_ report: DriftReport) -> String {
        var out: [UInt8] = []
        // Room for the whole text at once (about 650 bytes an event here): growing it by
        // doubling copied it again and again and touched twice the memory.
        out.reserveCapacity(4096 + report.itemCount * 700)
        writeJSON(report) { out.append(contentsOf: $0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `json(report)` handed to `write` in pieces, in order: the head, then the events a
    /// slice at a time, each slice's share written on its own core while nothing is
    /// written out, each event from the report's rows (`ReportRows`) as bytes. A year of
    /// 1,000,000 profiles is 3.4 million changes, about 2 GB of JSON.
    package static func writeJSON(
        _ report: DriftReport, eventsPerShare: Int = 8_192, to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        var head = "{\"report\":{"
        head += "\"baseline\":" + optional(report.baseline)
        head += ",\"from\":" + optional(report.from?.iso8601)
        head += ",\"generated_at\":" + optional(report.generatedAt.iso8601)
        head += ",\"title\":" + optional(report.title)
        head += ",\"to\":" + optional(report.to?.iso8601)
        head += "},\"summary\":{\"by_drift\":{"
        head += report.countsByDrift.map { "\"\($0.0.rawValue)\":\($0.1)" }.joined(separator: ",")
        head += "},\"by_severity\":{"
        head += report.countsBySeverity.map { "\"\($0.0.rawValue)\":\($0.1)" }.joined(separator: ",")
        head += "},\"total\":\(report.itemCount)},\"discovered\":["
        head += report.discoveries.map { found in
            "{\"account_id\":" + optional(found.accountID) + ",\"first_observed_at\":" + optional(found.observedAt?.iso8601)
                + ",\"instance\":" + optional(found.instance) + ",\"profiles\":\(found.profiles)}"
        }.joined(separator: ",")
        head += "],\"first_observed\":["
        head += report.firstObservations.map { observed in
            "{\"field\":" + optional(observed.field) + ",\"instance\":" + optional(observed.instance)
                + ",\"observed_at\":" + optional(observed.observedAt.iso8601) + ",\"snapshot_id\":\(observed.snapshotID)}"
        }.joined(separator: ",")
        head += "],\"user_changes\":["
        head += report.userChanges.map { change in
            "{\"at\":" + optional(change.at.iso8601) + ",\"drift\":" + optional(change.drift.rawValue)
                + ",\"event_id\":\(change.eventID),\"event_table\":" + optional(change.eventTable)
                + ",\"gained\":" + list(change.gained) + ",\"lost\":" + list(change.lost)
                + ",\"principal\":" + optional(change.principal) + ",\"severity\":" + optional(change.severity.rawValue)
                + ",\"user_key\":" + optional(change.userKey) + ",\"username\":" + optional(change.username)
                + ",\"via\":" + list(change.via) + ",\"via_names\":" + list(change.viaNames) + "}"
        }.joined(separator: ",")
        head += "],\"events\":["
        try head.withUTF8(write)
        // The slices rendered on the other threads while this one writes the slice before
        // (written in turn after each slice, the writes left the renderers' cores idle).
        let (rows, order) = (report.rows, report.order)
        let slices = Handoff<[[UInt8]]>(ahead: 2)
        DispatchQueue.global().async {
            let workers = ParallelWork.workers(for: order.count)
            var sliceStart = 0
            while sliceStart < order.count {
                let first = sliceStart
                let count = min(order.count - first, eventsPerShare * workers)
                let shares = ParallelWork.map(count, workers: workers) { range in
                    let room = range.reduce(0) { $0 + JSONEventWriter.bound(of: Int(order[first + $1]), in: rows) }
                    return rows.withParts { parts in
                        [UInt8](hugePageCapacity: room) { out in
                            var writer = JSONEventWriter(rows: rows, parts: parts, into: out)
                            for index in range {
                                writer.writeEvent(row: Int(order[first + index]), first: first + index == 0)
                            }
                            return writer.count
                        }
                    }
                }
                guard slices.put(shares) else { break }
                sliceStart += count
            }
            slices.finish()
        }
        defer { slices.cancelAndWait() }
        while let shares = slices.take() {
            for share in shares { try share.withUnsafeBufferPointer(write) }
        }
        try Array("]}".utf8).withUnsafeBufferPointer(write)
    }

    private static func optional(_ text: String?) -> String {
        text.map { CanonicalJSON.text($0) } ?? "null"
    }

    private static func list(_ texts: [String]) -> String {
        "[" + texts.map { CanonicalJSON.text($0) }.joined(separator: ",") + "]"
    }

    // MARK: html

    static func html(_ report: DriftReport) throws -> String { try HTMLReport.render(report) }
}

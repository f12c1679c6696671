import AuditCore
import AuditModel
import AuditTime
import Foundation

/// The HTML report: one self-contained file that makes no network request (a Content
/// Security Policy forbids any), readable on screen and on paper.
///
/// Summary cards; an inline SVG chart of changes per night by severity; a filter box
/// (severity, drift, account, text) in plain JavaScript that hides the profiles it rules out
/// (its starting values may come from the address's fragment: `#severity=high&text=Admin`);
/// one section per profile with its changes folded (`<details>`), who made them when known;
/// `@media print` unfolds everything and drops the filter.
enum HTMLReport {
    static let severityColours: [Severity: String] = [
        .critical: "#c62828", .high: "#ef6c00", .medium: "#f9a825", .low: "#2e7d32", .info: "#9e9e9e",
    ]

    static func render(_ report: DriftReport) throws -> String {
        let escape = TextEscaping.html
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '\(scriptHash)'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>connect-audit: \(escape(report.title))</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
            .cards{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
            .card b{display:block;font-size:22px}.critical{border-left:6px solid #c62828}.high{border-left:6px solid #ef6c00}
            .medium{border-left:6px solid #f9a825}.low{border-left:6px solid #2e7d32}.info{border-left:6px solid #9e9e9e}
            #filters{display:flex;flex-wrap:wrap;gap:8px;margin:1em 0;padding:8px;background:#f6f6f6;border-radius:6px}
            section.profile{border:1px solid #ddd;border-radius:6px;margin:8px 0;padding:6px 10px}
            section.profile h3{margin:2px 0;font-size:15px}.meta{color:#555;font-size:12px}
            details{margin:4px 0 4px 8px}summary{cursor:pointer}code{font-size:12px}ul{margin:2px 0;padding-left:1.2em}
            .who{color:#333;font-size:12px}[hidden]{display:none!important}
            @media print{#filters,#count{display:none}details{display:block}details>*{display:block}section.profile{break-inside:avoid}}
            </style></head><body>
            <h1>connect-audit: \(escape(report.title))</h1>
            <p>\(escape(ReportRenderer.summary(report)))</p>

            """
        for line in ReportRenderer.discoveryLines(report) { html += "<p>\(escape(line))</p>\n" }
        let userLines = ReportRenderer.userLines(report)
        if let title = userLines.first {
            html += "<h2>\(escape(title))</h2>\n<ul>\n"
            for line in userLines.dropFirst() { html += "<li>\(escape(line.trimmingCharacters(in: .whitespaces)))</li>\n" }
            html += "</ul>\n"
        }
        // The items made from the report's rows once, for every part.
        let items = try report.items
        html += cards(report, items)
        html += chart(items)
        if items.isEmpty {
            html += "<p>No changes.</p>\n"
        } else {
            html += filters(items)
            // Room for the sections at once (about 600 bytes an event here), written in place.
            html.reserveCapacity(html.utf8.count + 64 * 1024 + items.count * 650)
            writeProfiles(items, into: &html)
            html += "<script>\(scriptText)</script>\n"
        }
        html += "<p><small>Generated \(escape(report.generatedAt.iso8601)) by connect-audit.</small></p>\n</body></html>\n"
        return html
    }

    static func cards(_ report: DriftReport, _ items: [ReportItem]) -> String {
        var html = "<div class=\"cards\">"
        html += "<div class=\"card\"><b>\(items.count)</b>changes</div>"
        // By index: `for item in items` copies each item (a dozen retains).
        let profiles = Set(items.indices.map { items[$0].key }).count
        let widened = report.countsByDrift.first { $0.0 == .widened }?.1 ?? 0
        html += "<div class=\"card\"><b>\(profiles)</b>profiles</div>"
        html += "<div class=\"card\"><b>\(widened)</b>access widened</div>"
        for (severity, count) in report.countsBySeverity {
            html += "<div class=\"card \(severity.rawValue)\"><b>\(count)</b>\(severity.rawValue)</div>"
        }
        return html + "</div>\n"
    }

    /// Stacked bars: changes per night (UTC day of observation) by severity.
    static func chart(_ items: [ReportItem]) -> String {
        var perDay: [String: [Severity: Int]] = [:]
        // Each UTC day's name formatted once, not once per item.
        var dayNames: [Int64: String] = [:]
        for index in items.indices {
            var day = "baseline"
            if let observed = items[index].observedAt {
                let number = observed.daysSinceEpoch
                day = dayNames[number] ?? {
                    let name = String(observed.iso8601.prefix(10))
                    dayNames[number] = name
                    return name
                }()
            }
            perDay[day, default: [:]][items[index].severity, default: 0] += 1
        }
        let days = perDay.keys.sorted()
        guard !days.isEmpty else { return "" }
        let most = max(1, days.map { perDay[$0]?.values.reduce(0, +) ?? 0 }.max() ?? 1)
        let barWidth = 36, gap = 14, height = 160, left = 30
        let width = left + days.count * (barWidth + gap) + gap
        var svg = "<svg id=\"chart\" role=\"img\" aria-label=\"changes per night by severity\" width=\"\(width)\" height=\"\(height + 40)\" viewBox=\"0 0 \(width) \(height + 40)\">"
        svg += "<line x1=\"\(left)\" y1=\"\(height)\" x2=\"\(width)\" y2=\"\(height)\" stroke=\"#999\"/>"
        svg += "<text x=\"0\" y=\"12\" font-size=\"11\">\(most)</text>"
        for (index, day) in days.enumerated() {
            let x = left + gap + index * (barWidth + gap)
            var y = height
            for severity in Severity.allCases {
                guard let count = perDay[day]?[severity], count > 0 else { continue }
                let barHeight = max(1, count * (height - 10) / most)
                y -= barHeight
                svg += "<rect class=\"bar\" data-day=\"\(day)\" data-severity=\"\(severity.rawValue)\" x=\"\(x)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"\(severityColours[severity] ?? "#999")\"><title>\(day): \(count) \(severity.rawValue)</title></rect>"
            }
            svg += "<text x=\"\(x)\" y=\"\(height + 14)\" font-size=\"10\">\(day.suffix(5))</text>"
        }
        var legend = "<p class=\"meta\">"
        for severity in Severity.allCases.reversed() {
            legend += "<span style=\"color:\(severityColours[severity] ?? "#999")\">■</span> \(severity.rawValue) "
        }
        return "<h2>Changes per night</h2>\n" + svg + "</svg>\n" + legend + "</p>\n"
    }

    static func filters(_ items: [ReportItem]) -> String {
        let escape = TextEscaping.html
        let accounts = Set(items.compactMap(\.accountID)).sorted()
        var html = "<form id=\"filters\" onsubmit=\"return false\">"
        html += "<label>severity at least <select id=\"f-severity\">" + Severity.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" }.joined() + "</select></label>"
        html += "<label>drift <select id=\"f-drift\"><option value=\"\">any</option>" + DriftClass.allCases.reversed().map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" }.joined() + "</select></label>"
        html += "<label>account <select id=\"f-account\"><option value=\"\">any</option>" + accounts.map { "<option value=\"\(escape($0))\">\(escape($0))</option>" }.joined() + "</select></label>"
        html += "<label>text <input id=\"f-text\" type=\"search\" placeholder=\"profile, field, principal\"></label>"
        html += "<span id=\"count\"></span></form>\n"
        return html
    }

    /// One section per profile (most severe change first), its changes folded.
    static func writeProfiles(_ items: [ReportItem], into html: inout String) {
        let escape = TextEscaping.html
        // Items by position, not copied into groups (copying them was a tenth of a year's report).
        var order: [String] = []
        var byKey: [String: [Int]] = [:]
        for position in items.indices {
            let key = items[position].key
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(position)
        }
        html += "<h2>Profiles</h2>\n"
        for key in order {
            let positions = byKey[key] ?? []
            guard let firstPosition = positions.first else { continue }
            let first = items[firstPosition]
            let top = positions.map { items[$0].severity }.max() ?? .info
            let drifts = Set(positions.map { items[$0].drift.rawValue }).sorted().joined(separator: " ")
            let text = ([first.name ?? "", key] + positions.flatMap { items[$0].changedFields + items[$0].attributions.map(\.summary) })
                .joined(separator: " ")
            let lowercased = text.lowercasedByRuns
            html += "<section class=\"profile \(top.rawValue)\" data-severity=\"\(top.rank)\" data-drift=\"\(escape(drifts))\" "
                + "data-account=\"\(escape(first.accountID ?? ""))\" data-text=\"\(escape(lowercased))\">"
            html += "<h3>\(escape(first.name ?? key))</h3><div class=\"meta\"><code>\(escape(key))</code> · account \(escape(first.accountID ?? "-"))</div>"
            for position in positions {
                let when = items[position].observedAt?.minuteText ?? "since the baseline"
                html += "<details><summary>\(items[position].severity.rawValue) · \(items[position].drift.rawValue) · \(items[position].kind.rawValue) · \(escape(when))</summary>"
                if !items[position].diff.isEmpty {
                    html += "<ul>"
                    writeChanges(of: items[position].diff, into: &html)
                    html += "</ul>"
                }
                for attribution in items[position].attributions { html += "<div class=\"who\">changed \(escape(attribution.summary))</div>" }
                if let holders = items[position].holders { html += "<div class=\"who\">held by \(holders) user\(holders == 1 ? "" : "s")</div>" }
                html += "</details>"
            }
            html += "</section>\n"
        }
    }

    /// The diff's lines (`ProfileDiff.lines`) as list items, each `<li><code>field</code>:
    /// change</li>` with both escaped, written piece by piece: building each line, then
    /// escaping it whole (every text change has quotes to escape) was a fifth of a
    /// year-long HTML report. `DiffScannerTests` checks the bytes are the same.
    static func writeChanges(of diff: ProfileDiff, into html: inout String) {
        func quoted(_ text: String?) {
            guard let text else { return html += "(none)" }
            html += "&quot;"
            TextEscaping.writeHTML(text, into: &html)
            html += "&quot;"
        }
        for field in diff.changedFields {
            html += "<li><code>"
            TextEscaping.writeHTML(field, into: &html)
            html += "</code>: "
            switch diff.changes[field]! {
            case .set(let added, let removed):
                for (index, element) in removed.enumerated() {
                    html += index == 0 ? "-" : ", -"
                    TextEscaping.writeHTML(element, into: &html)
                }
                for (index, element) in added.enumerated() {
                    html += index == 0 && removed.isEmpty ? "+" : ", +"
                    TextEscaping.writeHTML(element, into: &html)
                }
            case .text(let from, let to):
                quoted(from)
                html += " -&gt; "
                quoted(to)
            case .instant(let from, let to):
                quoted(from?.iso8601)
                html += " -&gt; "
                quoted(to?.iso8601)
            }
            html += "</li>"
        }
    }

    /// The filter: hides the profiles the choices rule out; starting values from the fragment.
    /// The report's one script as it stands between its tags, and the CSP source that lets
    /// it run and nothing else (no `'unsafe-inline'`: an injected handler or script would not).
    static let scriptText = "\n\(script)\n"
    static let scriptHash: String = {
        let digest = SHA256.Stream()
        Array(scriptText.utf8).withUnsafeBytes { digest.update($0) }
        return "sha256-" + digest.finish().withBytes { Data($0).base64EncodedString() }
    }()

    static let script = """
        (function () {
          var ranks = {info: 0, low: 1, medium: 2, high: 3, critical: 4};
          var el = function (id) { return document.getElementById(id); };
          var params = new URLSearchParams(location.hash.slice(1));
          ["severity", "drift", "account", "text"].forEach(function (name) {
            if (params.has(name)) { el("f-" + name).value = params.get(name); }
          });
          function apply() {
            var min = ranks[el("f-severity").value] || 0, drift = el("f-drift").value;
            var account = el("f-account").value, text = el("f-text").value.toLowerCase(), shown = 0;
            var sections = document.querySelectorAll("section.profile");
            sections.forEach(function (s) {
              var ok = Number(s.dataset.severity) >= min
                && (!drift || s.dataset.drift.split(" ").indexOf(drift) >= 0)
                && (!account || s.dataset.account === account)
                && (!text || s.dataset.text.indexOf(text) >= 0);
              s.hidden = !ok;
              if (ok) { shown += 1; }
            });
            el("count").textContent = shown + " of " + sections.length + " profiles shown";
          }
          ["f-severity", "f-drift", "f-account", "f-text"].forEach(function (id) {
            el(id).addEventListener("input", apply);
            el(id).addEventListener("change", apply);
          });
          apply();
        })();
        """
}

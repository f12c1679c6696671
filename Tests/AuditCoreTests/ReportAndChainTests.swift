@testable import AuditCore
import AuditModel
import AuditTime
import Foundation
@testable import ReportRendering
import SnapshotReading
import Testing

/// Reports, the baseline drift and the event chain, without a database.
@Suite("renderers, baseline drift and the event chain, pure")
struct ReportAndChainTests {
    static let now = Instant(parsing: "2026-11-23T08:00:00Z")!

    static func report() -> DriftReport {
        let widened = ProfileDiff(changes: ["tag_restricted_resources": .set(added: [], removed: ["User"])])
        let renamed = ProfileDiff(changes: ["security_profile_name": .text(from: "Old <b>name</b>", to: "New | name\nforged")])
        return DriftReport(title: "changes of the week", from: Instant(parsing: "2026-11-16T00:00:00Z"), to: now, generatedAt: now, items: [
            ReportItem(
                eventID: 2, key: "arn:k2", name: "Renamed", accountID: "111122223333", kind: .modified, observedAt: now,
                drift: .none, severity: .info, changedFields: renamed.changedFields, diff: renamed),
            ReportItem(
                eventID: 1, key: "arn:k1", name: "Tier1 Agent", accountID: "111122223333", kind: .modified, observedAt: now,
                drift: .widened, severity: .high, changedFields: widened.changedFields, diff: widened),
        ])
    }

    @Test("text columns line up by characters, and no name is cut (a combining mark, an emoji)")
    func textColumns() throws {
        let names = ["Caf\u{E9} agents", "Cafe\u{301} supervisors", "Night shift \u{1F319}"]
        let items = names.enumerated().map { index, name in
            ReportItem(
                eventID: Int64(index + 1), key: "arn:k\(index)", name: name, accountID: "111122223333", kind: .modified,
                observedAt: Self.now, drift: .none, severity: .info, changedFields: [], diff: ProfileDiff())
        }
        let text = try ReportRenderer.render(DriftReport(title: "t", generatedAt: Self.now, items: items), as: .text)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("info") }
        #expect(rows.count == 3)
        for name in names { #expect(rows.contains { $0.contains(name + " ") }, "\(name) whole, then the gap") }
        // The account column starts at the same character in every row.
        let starts = rows.map { row in row.distance(from: row.startIndex, to: row.range(of: "111122223333")!.lowerBound) }
        #expect(Set(starts).count == 1, "\(starts)")
    }

    @Test("every format lists the most severe change first, with its diff")
    func formats() throws {
        let report = Self.report()
        let text = try ReportRenderer.render(report, as: .text)
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("high") && $0.contains("Tier1 Agent") })
        #expect(text.contains("tag_restricted_resources: -User"))
        #expect(text.range(of: "Tier1 Agent")!.lowerBound < text.range(of: "Renamed")!.lowerBound)
        #expect(!lines.contains { $0.hasPrefix("forged") })

        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportRenderer.render(report, as: .json).utf8)) as? [String: Any])
        let events = try #require(json["events"] as? [[String: Any]])
        #expect(events.map { $0["id"] as? Int } == [1, 2])
        #expect((events[0]["diff"] as? [String: Any])?["tag_restricted_resources"] as? [String: [String]] == ["added": [], "removed": ["User"]])
        #expect((json["summary"] as? [String: Any])?["total"] as? Int == 2)

        let markdown = try ReportRenderer.render(report, as: .markdown)
        #expect(markdown.contains("| high | widened | modified |"))
        #expect(!markdown.contains("<b>"))

        let html = try ReportRenderer.render(report, as: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("&lt;b&gt;name&lt;/b&gt;"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script src"))
        #expect(html.components(separatedBy: "<script>").count - 1 == 1, "one script: the report's own filter")
    }

    @Test("items of one severity, drift and time in the order of their names' bytes, then keys' bytes, then ids")
    func nameOrder() throws {
        let rows: [(name: String?, key: String, id: Int64)] = [
            ("b", "k1", 1), ("a", "k2", 2), ("Caf\u{E9}", "k3", 3), ("Cafe\u{301}", "k4", 4), ("Z", "k5", 5), (nil, "k6", 6),
            ("a", "k0", 8), ("a", "k0", 7),
        ]
        let items = rows.map { row in
            ReportItem(
                eventID: row.id, key: row.key, name: row.name, accountID: nil, kind: .modified, observedAt: Self.now,
                drift: .changed, severity: .low, changedFields: [], diff: ProfileDiff())
        }
        let report = DriftReport(title: "t", generatedAt: Self.now, items: items)
        // Canonically equivalent names ("é" composed and decomposed) still have one order.
        #expect(try report.items.map { $0.eventID } == [6, 4, 3, 5, 7, 8, 2, 1])
    }

    @Test("many items, ordered in groups on every core: the order of the rule, ReportOrder.precedes")
    func orderOfMany() throws {
        let names: [String?] = [
            nil, "", "a", "ab", "Profile with a long name 1", "Profile with a long name 2", "Profile\u{E9}", "Profile-é", "Z",
            "Profile A, sixteen and more", "Profile B, sixteen and more", "Profile B, sixteen", "Profile B, sixteEN and more",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        let items = (1...3_001).map { (index: Int) -> ReportItem in
            ReportItem(
                eventID: Int64(index), key: "arn:k\(next(40))", name: names[next(names.count)], accountID: nil, kind: .modified,
                observedAt: Instant(microsecondsSinceEpoch: Int64(next(3)) * 86_400_000_000), drift: DriftClass.allCases[next(5)],
                severity: Severity.allCases[next(5)], changedFields: [], diff: ProfileDiff())
        }
        let expected = items.sorted(by: ReportOrder.precedes).map(\.eventID)
        #expect(try DriftReport(title: "t", generatedAt: Self.now, items: items).items.map(\.eventID) == expected)
        #expect(try DriftReport(title: "t", generatedAt: Self.now, items: items.reversed()).items.map(\.eventID) == expected)
    }

    @Test("the JSON report written in pieces, its events rendered on every core: one document, every event once, in order")
    func jsonInPieces() throws {
        let diff = ProfileDiff(changes: ["permissions": .set(added: ["BasicAgentAccess"], removed: [])])
        let items = (1...2_003).map { (index: Int) -> ReportItem in
            let drift: DriftClass = index % 3 == 0 ? .widened : .changed
            let severity: Severity = index % 5 == 0 ? .high : .low
            return ReportItem(
                eventID: Int64(index), key: "arn:k\(index)", name: "Profile \"\(index % 17)\"", accountID: "111122223333",
                kind: .modified, observedAt: Self.now, drift: drift, severity: severity, changedFields: diff.changedFields, diff: diff)
        }
        let report = DriftReport(title: "t", generatedAt: Self.now, items: items)
        let whole = try ReportRenderer.render(report, as: .json)
        for share in [1, 7, 1_000, 8_192] {
            var pieces: [String] = []
            ReportRenderer.writeJSON(report, eventsPerShare: share) { pieces.append(String(decoding: $0, as: UTF8.self)) }
            #expect(pieces.joined() == whole, "shares of \(share)")
            if share == 7 { #expect(pieces.count > 100) }
        }
        // A writer that fails (a closed pipe, a full disk) stops the rendering: its error,
        // after the pieces before it, and nothing after.
        struct Full: Error {}
        var written = 0
        #expect(throws: Full.self) {
            try ReportRenderer.writeJSON(report, eventsPerShare: 7) { _ in
                if written == 5 { throw Full() }
                written += 1
            }
        }
        #expect(written == 5)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any])
        let ids: [Int64?] = try #require(json["events"] as? [[String: Any]]).map { ($0["id"] as? Int).map(Int64.init) }
        #expect(try ids == report.items.map { $0.eventID })
        #expect(ids.count == 2_003)
    }

    @Test("each JSON event fits the room made for it, whatever its text, id and time, and reads back as its item")
    func jsonEventsFitTheirRoom() throws {
        let awkward = String(decoding: (0..<0x20).map { UInt8($0) } + Array("\"\\é🌙".utf8), as: UTF8.self)
        let diff = ProfileDiff(changes: [awkward: .text(from: awkward, to: nil), "permissions": .set(added: [awkward], removed: ["A"])])
        let who = Attribution(
            principalARN: awkward, principalType: awkward, sessionIssuerARN: awkward, eventName: awkward,
            eventTime: Self.now, sourceIP: awkward, userAgent: awkward, confidence: .exact)
        let ids: [Int64?] = [nil, .min, .max, -1, 0]
        let times: [Instant?] = [nil, Instant(microsecondsSinceEpoch: .min / 2), Instant(microsecondsSinceEpoch: .max / 2), Self.now]
        var items: [ReportItem] = []
        for index in 0..<40 {
            var item = ReportItem(
                eventID: ids[index % ids.count], key: String(repeating: awkward, count: 1 + index % 3),
                name: index % 4 == 0 ? nil : awkward, accountID: index % 3 == 0 ? nil : String(repeating: "\"", count: index),
                kind: ChangeKind.allCases[index % ChangeKind.allCases.count], observedAt: times[index % times.count],
                drift: DriftClass.allCases[index % DriftClass.allCases.count],
                severity: Severity.allCases[index % Severity.allCases.count], changedFields: diff.changedFields, diff: diff)
            if index % 2 == 1 { item.attributions = Array(repeating: who, count: index % 5) }
            items.append(item)
        }
        // The least text with the longest numbers and labels: the fixed room is what it takes.
        for id in [Int64.min, .max] {
            items.append(ReportItem(
                eventID: id, key: "", name: nil, accountID: nil, kind: .recreated, observedAt: times[1], drift: .unobserved,
                severity: .critical, changedFields: [], diff: ProfileDiff()))
        }
        let report = DriftReport(title: "t", generatedAt: Self.now, items: items)
        // One event a piece, after the head (fewer than 256 events: one share a slice); discoveries are counted, not listed.
        var pieces: [[UInt8]] = []
        ReportRenderer.writeJSON(report, eventsPerShare: 1) { pieces.append(Array($0)) }
        #expect(pieces.count == 1 + report.itemCount + 1 && report.itemCount > 30)
        for (position, row) in report.order.enumerated() {
            let bound = JSONEventWriter.bound(of: Int(row), in: report.rows)
            #expect(pieces[1 + position].count <= bound, "event \(position): \(pieces[1 + position].count) bytes, room for \(bound)")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(pieces.joined())) as? [String: Any])
        let events = try #require(json["events"] as? [[String: Any]])
        let expected = try report.items
        // Every event has the table's keys, written in the table's order.
        for (position, event) in events.enumerated() {
            #expect(Set(event.keys) == Set(JSONEventKey.allCases.map(\.rawValue)))
            let text = String(decoding: pieces[1 + position], as: UTF8.self)
            let places = JSONEventKey.allCases.compactMap { text.range(of: "\"\($0.rawValue)\":")?.lowerBound }
            #expect(places.count == JSONEventKey.allCases.count && places == places.sorted(), "event \(position): \(text.prefix(120))")
        }
        #expect(events.count == expected.count)
        for (event, item) in zip(events, expected) {
            #expect(event["profile_key"] as? String == item.key)
            #expect(event["profile_name"] as? String == item.name)
            #expect(event["account_id"] as? String == item.accountID)
            #expect((event["id"] as? NSNumber)?.int64Value == item.eventID)
            #expect(event["observed_at"] as? String == item.observedAt?.iso8601)
            #expect(event["kind"] as? String == item.kind.rawValue)
            #expect(event["drift"] as? String == item.drift.rawValue)
            #expect(event["severity"] as? String == item.severity.rawValue)
            #expect(event["changed_fields"] as? [String] == item.changedFields)
            #expect((event["attribution"] as? [Any])?.count == item.attributions.count)
            let diffText = try JSONSerialization.data(withJSONObject: try #require(event["diff"]), options: [.sortedKeys])
            #expect(ProfileDiff(json: String(decoding: diffText, as: UTF8.self)) == item.diff)
        }
    }

    @Test("a report's rows give back the items they were made from: absent names, ids and times, attributions, every kind of change")
    func rowsGiveBackTheirItems() throws {
        let diffs = [
            ProfileDiff(),
            ProfileDiff(changes: [
                "permissions": .set(added: ["A", "B"], removed: ["C"]), "description": .text(from: "a \"q\"\n/é", to: nil),
                "last_modified_time": .instant(from: nil, to: Self.now), "extra.x": .text(from: "1", to: "[\"2\"]"),
            ]),
            ProfileDiff(changes: ["extra.名": .text(from: "a", to: "b")]),
        ]
        let who = Attribution(
            principalARN: "arn:aws:iam::111122223333:user/a", principalType: "IAMUser", sessionIssuerARN: nil,
            eventName: "UpdateSecurityProfile", eventTime: Self.now, sourceIP: nil, userAgent: "\u{1B}x", confidence: .exact)
        var items: [ReportItem] = []
        for (index, diff) in diffs.enumerated() {
            var item = ReportItem(
                eventID: index == 1 ? nil : Int64(index), key: "arn:k\(index)\u{301}", name: index == 0 ? nil : "Név \(index)",
                accountID: index == 2 ? nil : "111122223333", kind: [.created, .modified, .deleted][index],
                observedAt: index == 2 ? nil : Self.now, drift: .widened, severity: .high, changedFields: diff.changedFields, diff: diff)
            if index == 1 { item.attributions = [who, who] }
            items.append(item)
        }
        let rows = ReportRows(items)
        #expect(try rows.items == items)
        #expect(rows.count == 3)
    }

    @Test("rows whose diff text is no field diff: the formats that read each diff stop with an error naming verify")
    func unreadableDiff() throws {
        var rows = ReportRows()
        let appended = Array("arn:k".utf8).withUnsafeBufferPointer { key in
            Array("{\"x\":5}".utf8).withUnsafeBufferPointer { diff in
                rows.append(
                    id: 7, key: key, name: nil, accountID: nil, kind: .modified, observedAt: Self.now, drift: .changed, severity: .low,
                    fieldList: rows.fieldList(["x"]), storedDiff: diff, canonical: true)
            }
        }
        #expect(appended)
        let report = DriftReport(title: "t", generatedAt: Self.now, rows: rows)
        for format in [ReportFormat.text, .markdown, .html] {
            let error = #expect(throws: ReportRows.UnreadableDiff.self) { try ReportRenderer.render(report, as: format) }
            #expect(error?.description.contains("run connect-audit verify") == true)
        }
    }

    @Test("baseline drift: created, modified (timestamp alone is no drift) and deleted, classified as events are")
    func baselineDrift() {
        let arn = { (name: String) in "arn:aws:connect:us-east-1:111122223333:instance/i-1/security-profile/\(name)" }
        let then = [
            SecurityProfile(key: arn("kept"), lastModifiedTime: Instant(microsecondsSinceEpoch: 1), tagRestrictedResources: ["User"]),
            SecurityProfile(key: arn("touched"), lastModifiedTime: Instant(microsecondsSinceEpoch: 1)),
            SecurityProfile(key: arn("gone")),
        ]
        let now = [
            SecurityProfile(key: arn("kept"), lastModifiedTime: Instant(microsecondsSinceEpoch: 2), tagRestrictedResources: []),
            SecurityProfile(key: arn("touched"), lastModifiedTime: Instant(microsecondsSinceEpoch: 2)),
            SecurityProfile(key: arn("new")),
        ]
        let items = Dictionary(uniqueKeysWithValues: BaselineDrift.items(then: then, now: now).map { ($0.key, $0) })
        #expect(items.count == 3)
        #expect(items[arn("kept")]?.drift == .widened)
        #expect(items[arn("kept")]?.changedFields == ["tag_restricted_resources"])
        #expect(items[arn("new")]?.kind == .created)
        #expect(items[arn("gone")]?.kind == .deleted)
        #expect(items[arn("gone")]?.drift == .narrowed)
        #expect(items[arn("touched")] == nil)
    }

    @Test("the event chain links each event to the last; any edit breaks it where it was made")
    func chain() {
        let drafts = (0..<3).map { index in
            EventDraft(
                key: "k\(index)", kind: .modified, fromVersion: 1, toVersion: 2, lastModifiedTime: nil,
                diff: ProfileDiff(changes: ["description": .text(from: "a", to: "b\(index)")]), timestampChanged: false,
                drift: .none, severity: .info)
        }
        let events = EventChain.chain(drafts, snapshotID: 1, observedAt: Self.now, after: 0, lastHash: EventChain.genesis)
        #expect(events.map(\.id) == [1, 2, 3])
        #expect(events[0].previousHash == EventChain.genesis)
        #expect(events[1].previousHash == events[0].hash && events[2].previousHash == events[1].hash)
        #expect(EventChain.firstBreak(in: events) == nil)
        var edited = events
        edited[1].diffJSON = "{}"
        #expect(EventChain.firstBreak(in: edited)?.id == 2)
        var cut = events
        cut.remove(at: 1)
        #expect(EventChain.firstBreak(in: cut)?.id == 3)
    }
}

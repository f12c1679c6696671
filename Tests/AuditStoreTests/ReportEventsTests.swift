import AuditCore
import AuditModel
import AuditStore
import Foundation
import PostgresClient
import ReportRendering
import Testing
import TestSupport

/// Discoveries counted by the database are the ones a report counts from the events.
@Suite("report events: discoveries counted in SQL as DriftReport counts them")
struct ReportEventsTests {
    typealias F = StoreFixture

    @Test("instances from ARNs, accounts and bare keys, first accounts and first times: the same report either way")
    func discoveriesAgree() throws {
        try F.withMigrated { connection in
            let plain = SecurityProfile(key: "plain-key", accountID: "210987654321", securityProfileName: "plain")
            let bare = SecurityProfile(key: "bare-key", securityProfileName: "bare")
            let odd = SecurityProfile(key: "arn:aws:connect:us-east-1:123456789012:instance//security-profile/empty-instance")
            var night1 = [F.profile("a1"), F.profile("a2"), F.profile("b1", instance: F.instanceB), plain, bare, odd]
            try F.ingest(night1, day: 1, into: connection)
            night1[0] = F.profile("a1", time: 2_000, tagRestricted: [])
            // A deletion: its item shows the name of the version it ended (`profile_timeline`),
            // which the report's own query reads only for such items.
            let deleted = night1.remove(at: 1)
            night1 += [F.profile("c1", instance: "cccccccc-0000-4000-8000-00000000000c"), F.profile("c2", instance: "cccccccc-0000-4000-8000-00000000000c")]
            try F.ingest(night1, day: 2, into: connection)
            let queries = HistoryQueries(connection: connection)
            let (from, to) = (F.day(1), F.day(3))
            let counted = try queries.reportEvents(from: from, to: to)
            // Every event of the two nights, discoveries among them, counted by DriftReport.
            let every = try queries.events(ids: 1...Int64(F.count("SELECT max(id) FROM connect_audit.change_events", connection)))
            let fromItems = DriftReport(title: "t", from: from, to: to, generatedAt: to, items: every)
            let fromSQL = DriftReport(title: "t", from: from, to: to, generatedAt: to, items: try counted.items, discovered: counted.discoveries)
            #expect(try !counted.items.contains { $0.kind == .discovered })
            #expect(fromSQL.discoveries == fromItems.discoveries)
            #expect(try fromSQL.items == fromItems.items)
            let deletedNames = try counted.items.filter { $0.kind == .deleted }.map(\.name)
            let deletedName = deleted.securityProfileName
            #expect(deletedName != nil)
            #expect(deletedNames == [deletedName])
            #expect(fromSQL.discoveries.map(\.profiles).reduce(0, +) == 8)
            #expect(Set(fromSQL.discoveries.map(\.instance)) == [
                F.instanceA, F.instanceB, "cccccccc-0000-4000-8000-00000000000c", "210987654321", "bare-key", odd.key,
            ])
            for format in ReportFormat.allCases {
                #expect(try ReportRenderer.render(fromSQL, as: format) == ReportRenderer.render(fromItems, as: format))
            }
            // One account's report (counted with the join to the versions) and one snapshot's
            // (counted without it): the same as counting their items.
            for account in ["123456789012", "210987654321"] {
                let ofAccount = try queries.reportEvents(from: from, to: to, account: account)
                let sql = DriftReport(title: "t", from: from, to: to, generatedAt: to, items: try ofAccount.items, discovered: ofAccount.discoveries)
                let items = DriftReport(title: "t", from: from, to: to, generatedAt: to, items: every.filter { $0.accountID == account })
                #expect(sql.discoveries == items.discoveries, "account \(account)")
                #expect(!sql.discoveries.isEmpty)
            }
            let second = try queries.reportEvents(snapshot: 2)
            let secondItems = every.filter { $0.observedAt == F.day(2) }
            #expect(second.discoveries == DriftReport(title: "t", from: nil, to: nil, generatedAt: to, items: secondItems).discoveries)
            #expect(second.discoveries.map(\.profiles).reduce(0, +) == 2)
        }
    }

    @Test("items read their events' labels; without one (an older event), the versions' name and account")
    func labels() throws {
        try F.withMigrated { connection in
            var night = [F.profile("a1"), F.profile("a2"), F.profile("b1", instance: F.instanceB)]
            try F.ingest(night, day: 1, into: connection)
            night[0] = F.profile("a1", time: 2_000, tagRestricted: [])
            night.remove(at: 1)
            try F.ingest(night, day: 2, into: connection)
            let queries = HistoryQueries(connection: connection)
            let (from, to) = (F.day(1), F.day(3))
            let labelled = try F.count("SELECT count(*) FROM connect_audit.change_events WHERE profile_name IS NOT NULL AND kind <> 'discovered'", connection)
            #expect(labelled == 2, "the modification and the deletion carry their labels")
            let viaView = try queries.events(ids: 1...Int64(try F.count("SELECT max(id) FROM connect_audit.change_events", connection)))
                .filter { $0.kind != .discovered }
            #expect(try queries.reportEvents(from: from, to: to).items.sorted { $0.eventID! < $1.eventID! } == viaView)
            // Events written before labels existed: the versions' name and account, as before.
            try connection.execute("ALTER TABLE connect_audit.change_events DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.change_events SET profile_name = NULL, account_id = NULL")
            #expect(try queries.reportEvents(from: from, to: to).items.sorted { $0.eventID! < $1.eventID! } == viaView)
            // The label is what is read (no join when it is there).
            try connection.execute("UPDATE connect_audit.change_events SET profile_name = 'label', account_id = '000000000000'")
            try connection.execute("ALTER TABLE connect_audit.change_events ENABLE TRIGGER USER")
            let relabelled = try queries.reportEvents(from: from, to: to)
            #expect(try relabelled.items.count == 2)
            #expect(try relabelled.items.allSatisfy { $0.name == "label" && $0.accountID == "000000000000" })
            #expect(try queries.reportEvents(from: from, to: to, account: "000000000000").items.count == 2)
        }
    }

    @Test("each diff is stored as its canonical text, which a report prints; without it (an older event), the jsonb diff, the same report")
    func diffTexts() throws {
        try F.withMigrated { connection in
            var night = [F.profile("a1"), F.profile("a2"), F.profile("a3", time: 500)]
            try F.ingest(night, day: 1, into: connection)
            night[0] = F.profile("a1", time: 2_000, tagRestricted: [], permissions: ["Users.View", "Rules.Edit"])
            night[1] = F.profile("a2", time: 2_000)
            night.remove(at: 2)
            try F.ingest(night, day: 2, maxDeleteFraction: 1, into: connection)
            // The chain's canonical text of each diff (what `verify` recomputes); empty diffs have none.
            let stored = try connection.query("""
                SELECT diff_json, diff::text FROM connect_audit.change_events WHERE kind <> 'discovered' ORDER BY id
                """).map { (try $0.decodeIfPresent(String.self, at: 0), try $0.decode(String.self, at: 1)) }
            #expect(stored.count == 3)
            for (text, jsonb) in stored {
                let canonical = ProfileDiff.canonicalJSON(text: jsonb)
                #expect(canonical != nil)
                #expect(text == (canonical == "{}" ? nil : canonical), "\(jsonb)")
            }
            #expect(stored.compactMap(\.0).count == 2, "the modification and the touch have texts; the deletion's diff is empty")
            let queries = HistoryQueries(connection: connection)
            let (from, to) = (F.day(1), F.day(3))
            func json() throws -> String {
                let events = try queries.reportEvents(from: from, to: to)
                return try ReportRenderer.render(
                    DriftReport(title: "t", from: from, to: to, generatedAt: to, rows: events.rows, discovered: events.discoveries), as: .json)
            }
            let fromTexts = try json()
            #expect(fromTexts.contains("Rules.Edit"))
            try connection.execute("ALTER TABLE connect_audit.change_events DISABLE TRIGGER USER")
            try connection.execute("UPDATE connect_audit.change_events SET diff_json = NULL")
            #expect(try json() == fromTexts)
            // The text is what is printed (the check keeps it the diff's value; `verify`, its form).
            try connection.execute("UPDATE connect_audit.change_events SET diff_json = diff::text WHERE kind = 'modified'")
            #expect(try json() != fromTexts)
            #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE connect_audit.change_events SET diff_json = '{}' WHERE kind = 'modified'")
            }
            // The changed fields a report shows are the names of the text's changes (the
            // list is not sent with it): a text whose names are not the list's shows its own.
            try connection.execute("""
                UPDATE connect_audit.change_events SET diff = '{"x": {"from": "a", "to": "b"}}', diff_json = '{"x":{"from":"a","to":"b"}}'
                WHERE kind = 'modified'
                """)
            #expect(try json().contains("\"changed_fields\":[\"x\"],\"diff\":{\"x\":{\"from\":\"a\",\"to\":\"b\"}}"))
            // A text that is no field diff (the diff edited with it): the report stops, in
            // every format, with an error that names `verify`, not a crash.
            try connection.execute("""
                UPDATE connect_audit.change_events SET diff = '{"x": 5}', diff_json = '{"x":5}' WHERE kind = 'modified'
                """)
            let error = #expect(throws: StoreError.self) { try queries.reportEvents(from: from, to: to) }
            #expect(error?.description.contains("connect-audit verify") == true)
        }
    }

    @Test("a window read in two parts on two connections at once: the same report as read in one, the account's too")
    func twoConnections() throws {
        try F.withMigrated { connection in
            // Six nights, a few changes each (modifications, a deletion, a re-creation).
            var night = (0..<6).map { F.profile("p\($0)", instance: $0 % 2 == 0 ? F.instanceA : F.instanceB) }
            try F.ingest(night, day: 1, into: connection)
            for day in 2...6 {
                night[day - 2] = F.profile("p\(day - 2)", instance: (day - 2) % 2 == 0 ? F.instanceA : F.instanceB, time: Int64(day) * 1_000, tagRestricted: [])
                night[5] = F.profile("p5", instance: F.instanceB, time: Int64(day) * 1_000, permissions: ["P\(day)"])
                if day == 5 { night[4] = F.profile("p4", instance: F.instanceA, time: 9_000) }
                try F.ingest(day == 4 ? night.filter { $0.key != night[4].key } : night, day: day, maxDeleteFraction: 1, into: connection)
            }
            let (from, to) = (F.day(1), F.day(7))
            let oneConnection = HistoryQueries(connection: connection, changesWorthTwoConnections: .max)
            let twoConnections = HistoryQueries(connection: connection, changesWorthTwoConnections: 1)
            for account in [nil, "123456789012"] as [String?] {
                let whole = try oneConnection.reportEvents(from: from, to: to, account: account)
                let parts = try twoConnections.reportEvents(from: from, to: to, account: account)
                #expect(whole.rows.partCount == 1)
                // Fails if the window was not split (it is the case this test exists for).
                #expect(parts.rows.partCount == 2)
                #expect(parts.rows.count == whole.rows.count)
                #expect(whole.rows.count >= 8)
                let (a, b) = (
                    DriftReport(title: "t", from: from, to: to, generatedAt: to, rows: whole.rows, discovered: whole.discoveries),
                    DriftReport(title: "t", from: from, to: to, generatedAt: to, rows: parts.rows, discovered: parts.discoveries))
                #expect(try a.items == b.items)
                #expect(try ReportRenderer.render(a, as: .json) == ReportRenderer.render(b, as: .json))
                #expect(a.discoveries == b.discoveries)
            }
            // The second connection is closed: its server process ends (on its own time, after
            // the client's goodbye; waited for up to 10 s).
            var sessions = 0
            for _ in 0..<100 {
                sessions = try F.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()", connection)
                if sessions == 1 { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(sessions == 1)
        }
    }

    @Test("the reader role reads a window in two parts; at its connection limit, in one: the same report")
    func secondConnectionRefused() throws {
        try F.withLoginRoles(["connect_audit_reader"]) { owner, logins in
            for day in 1...4 {
                try F.ingest((0..<4).map { F.profile("p\($0)", time: Int64(day) * 1_000) }, day: day, into: owner)
            }
            let (from, to) = (F.day(1), F.day(5))
            let expected = try HistoryQueries(connection: owner, changesWorthTwoConnections: .max).reportEvents(from: from, to: to).items
            let reader = HistoryQueries(connection: logins[0], changesWorthTwoConnections: 1)
            let both = try reader.reportEvents(from: from, to: to)
            #expect(both.rows.partCount == 2)
            #expect(try both.items.count == 12)
            #expect(try both.items == expected)
            let role = try logins[0].query("SELECT current_user")[0].decode(String.self, at: 0)
            try owner.execute("ALTER ROLE \(role) CONNECTION LIMIT 1")
            let alone = try reader.reportEvents(from: from, to: to)
            #expect(alone.rows.partCount == 1)
            #expect(try alone.items == expected)
        }
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation
import Platform
import PostgresClient
import ReportRendering
import SnapshotReading

/// What the store answers for reports, baselines, history and state.
package struct HistoryQueries {
    let connection: PostgresConnection
    /// Below this many changes a window is read on one connection (`reportRows(where:on:splitAt:settings:)`).
    private let changesWorthTwoConnections: Int

    package init(connection: PostgresConnection, changesWorthTwoConnections: Int = 200_000) {
        self.connection = connection
        self.changesWorthTwoConnections = changesWorthTwoConnections
    }

    /// The columns `item` reads, from `profile_timeline` (each event with its profile's name).
    static let eventColumns = """
        SELECT event_id, profile_key, security_profile_name, account_id, kind::text, observed_at,
               drift::text, severity::text, changed_fields, diff::text
        FROM connect_audit.profile_timeline
        """

    /// What a report shows of a window or a snapshot: the changes, item by item, and the
    /// first observations (`discovered`) counted per instance by the database. A first load
    /// of 1,000,000 profiles is 1,000,000 `discovered` events, which a report only counts:
    /// fetched and decoded one by one they were most of a report over that history.
    package struct ReportEvents {
        package var rows: ReportRows
        package var discoveries: [DriftReport.Discovery]
        package var firstObservations: [DriftReport.FirstObservation] = []

        /// The changes as items, in the order they were read.
        package var items: [ReportItem] { get throws { try rows.items } }
    }

    /// The report of the events observed in `[from, to)`, at or above `minSeverity`, of one
    /// account if given.
    package func reportEvents(from: Instant, to: Instant, account: String? = nil, minSeverity: Severity = .info) throws -> ReportEvents {
        try reportEvents(ReportFilter(
            events: """
                e.observed_at >= (SELECT current_setting('\(ReportFilter.fromSetting)')::timestamptz)
                AND e.observed_at < (SELECT current_setting('\(ReportFilter.toSetting)')::timestamptz)
                AND e.severity >= (SELECT current_setting('connect_audit.report_min_severity')::connect_audit.severity)
                """,
            // Discoveries are of severity info (DESIGN §3).
            discoveries: """
                d.observed_at >= (SELECT current_setting('\(ReportFilter.fromSetting)')::timestamptz)
                AND d.observed_at < (SELECT current_setting('\(ReportFilter.toSetting)')::timestamptz)
                AND 'info' >= (SELECT current_setting('connect_audit.report_min_severity')::connect_audit.severity)
                """,
            observations: """
                s.captured_at >= (SELECT current_setting('\(ReportFilter.fromSetting)')::timestamptz)
                AND s.captured_at < (SELECT current_setting('\(ReportFilter.toSetting)')::timestamptz)
                AND 'info' >= (SELECT current_setting('connect_audit.report_min_severity')::connect_audit.severity)
                """,
            settings: [
                (ReportFilter.fromSetting, from.iso8601), (ReportFilter.toSetting, to.iso8601),
                ("connect_audit.report_min_severity", minSeverity.rawValue),
            ],
            account: account, window: (from, to)))
    }

    /// The report of one snapshot.
    package func reportEvents(snapshot id: Int64) throws -> ReportEvents {
        try reportEvents(ReportFilter(
            events: "e.snapshot_id = (SELECT current_setting('connect_audit.report_snapshot')::bigint)",
            discoveries: "d.snapshot_id = (SELECT current_setting('connect_audit.report_snapshot')::bigint)",
            observations: "s.id = (SELECT current_setting('connect_audit.report_snapshot')::bigint)",
            settings: [("connect_audit.report_snapshot", String(id))], account: nil, window: nil))
    }

    /// Which events a report covers: `events`, a condition on `change_events e` whose values
    /// are `settings` of the report's transaction (a `COPY` takes no parameters; the
    /// settings are sent with `set_config`, as parameters), and the account if one is asked.
    /// Each setting read once per query (as an `InitPlan`), not once per row, which would
    /// nearly double the condition's cost. A window's changes may be read in two parts (`window`).
    private struct ReportFilter {
        var events: String
        /// The same condition on `discoveries d`.
        var discoveries: String
        /// The same condition on the observing snapshot, `snapshots s`.
        var observations: String
        var settings: [(name: String, value: String)]
        var account: String?
        var window: (from: Instant, to: Instant)?

        static let accountSetting = "connect_audit.report_account"
        static let fromSetting = "connect_audit.report_from"
        static let toSetting = "connect_audit.report_to"
    }

    /// An item's name or account: the event's own label (`stored`, migration 0013), else
    /// `column` as `profile_timeline` shows it, of the version the event wrote, else of the
    /// one it ended. The versions are read only for events without a label: joining every
    /// event to its versions was most of a year-long report's time at 1,000,000 profiles.
    private static func itemLabel(_ stored: String, _ column: String) -> String {
        """
        coalesce(e.\(stored),
                 (SELECT v.\(column) FROM connect_audit.profile_versions v
                  WHERE v.profile_key = e.profile_key AND v.version = e.to_version),
                 (SELECT p.\(column) FROM connect_audit.profile_versions p
                  WHERE p.profile_key = e.profile_key AND p.version = e.from_version))
        """
    }

    private static let itemAccount = itemLabel("account_id", "account_id")

    /// The changes (events other than `discovered`) `condition` selects, by binary `COPY`,
    /// in no order (`DriftReport` sorts them), each kept as compact as it came
    /// (`ReportRows`): the columns of `eventColumns`, the classification as `codes`' number,
    /// and the changed fields only for events without the diff's canonical text (the list
    /// is the names of the diff's changes, `ProfileDiff.changedFields`, which the client
    /// reads from the text it copies: sent as an array, the list cost the server a tenth
    /// more). A year of 1,000,000 profiles is millions of changes: formatted as text by the
    /// server, parsed by the client and held in one result, they would be most of the report.
    private static func reportRows(
        where condition: String, on connection: PostgresConnection, codes: ClassificationCodes, expected: Int = 0
    ) throws -> ReportRows {
        var rows = ReportRows(expected: expected)
        var fieldLists = RecurringFieldLists()
        try connection.copyOutBinary("""
            COPY (SELECT e.id, e.profile_key, \(Self.itemLabel("profile_name", "security_profile_name")), \(Self.itemAccount),
                         e.observed_at, \(ClassificationCodes.column), CASE WHEN e.diff_json IS NULL THEN e.changed_fields END,
                         e.diff_json, CASE WHEN e.diff_json IS NULL THEN e.diff END
                  FROM connect_audit.change_events e
                  WHERE \(condition) AND e.kind <> 'discovered') TO STDOUT (FORMAT binary)
            """) { row in
            try Self.append(row, to: &rows, codes: codes, fieldLists: &fieldLists)
        }
        return rows
    }


    /// The items and the discoveries `filter` selects, in one `REPEATABLE READ` transaction:
    /// both of one state of the history, whatever an ingest commits meanwhile.
    private func reportEvents(_ filter: ReportFilter) throws -> ReportEvents {
        try connection.withTransaction(isolation: .repeatableRead) { connection in
            let settings = filter.settings + (filter.account.map { [(ReportFilter.accountSetting, $0)] } ?? [])
            try Self.prepare(connection, settings)
            let ofAccount = "(SELECT current_setting('\(ReportFilter.accountSetting)'))"
            // The instances' lines as the ingest counted them (migration 0016), each named with
            // the account of its first discovery, as `DriftReport` counts them. Grouping the
            // events instead (each key's instance found by string functions) took seconds for
            // a first load of 1,000,000 profiles.
            let discoveries = try connection.query("""
                SELECT instance, (array_agg(account_id ORDER BY first_event))[1], sum(profiles), min(observed_at)
                FROM connect_audit.discoveries d
                WHERE \(filter.discoveries)\(filter.account == nil ? "" : " AND account_id = \(ofAccount)")
                GROUP BY instance
                """).map { row in
                DriftReport.Discovery(
                    instance: try row.decode(String.self, at: 0), accountID: try row.decodeIfPresent(String.self, at: 1),
                    profiles: try row.decode(Int.self, at: 2), observedAt: try row.decodeIfPresent(Instant.self, at: 3))
            }
            // Fields first observed for an instance an earlier snapshot held (a first load observes
            // every field); the few snapshots are searched, not the versions.
            let observations = try connection.query("""
                SELECT o.scope_instance, o.field, s.id, s.captured_at
                FROM connect_audit.observed_fields o JOIN connect_audit.snapshots s ON s.id = o.snapshot_id
                WHERE \(filter.observations)
                  AND EXISTS (SELECT 1 FROM connect_audit.snapshots p WHERE p.id < s.id AND o.scope_instance = ANY (p.instances))
                  \(filter.account == nil ? "" : "AND EXISTS (SELECT 1 FROM connect_audit.profile_versions v WHERE v.scope_instance = o.scope_instance AND v.account_id = \(ofAccount))")
                ORDER BY s.captured_at, o.scope_instance, o.field
                """).map { row in
                DriftReport.FirstObservation(
                    instance: try row.decode(String.self, at: 0), field: try row.decode(String.self, at: 1),
                    snapshotID: try row.decode(Int64.self, at: 2), observedAt: try row.decode(Instant.self, at: 3))
            }
            // The changes after the discoveries: their window may be narrowed to a part of it.
            let changes = filter.events + (filter.account == nil ? "" : " AND \(Self.itemAccount) = \(ofAccount)")
            let codes = try ClassificationCodes.read(on: connection)
            var rows = try filter.window.flatMap { try middle(of: $0) }.map { split in
                try Self.reportRows(where: changes, on: connection, codes: codes, splitAt: split, settings: settings)
            } ?? Self.reportRows(where: changes, on: connection, codes: codes)
            try rows.attribute(TrailStore(connection: connection).attributions(of: rows.eventIDs))
            try rows.countHolders(ProfileHolders.counts(of: rows.eventIDs, on: connection))
            return ReportEvents(rows: rows, discoveries: discoveries, firstObservations: observations)
        }
    }

    /// Sets a report's transaction up: its `settings`, and no JIT compilation (the items'
    /// scalar subqueries, run only for events without a label, make the plan look costly
    /// enough to compile, which costs more than a query that reads each row once saves).
    private static func prepare(_ connection: PostgresConnection, _ settings: [(name: String, value: String)]) throws {
        try connection.execute("SET LOCAL jit = off")
        for setting in settings {
            try connection.execute("SELECT set_config($1, $2, true)", [setting.name, setting.value])
        }
    }

    /// Where a window splits into two parts of about as many changes, by the snapshots'
    /// counts of them, and about how many each holds; `nil` when it holds fewer than
    /// `changesWorthTwoConnections`, or cannot split (one snapshot). The counts only
    /// balance the parts: the parts are the window whatever they say.
    private func middle(of window: (from: Instant, to: Instant)) throws -> (at: Instant, before: Int, after: Int)? {
        let snapshots = try connection.query("""
            SELECT captured_at, created_count + modified_count + touched_count + deleted_count + recreated_count
            FROM connect_audit.snapshots WHERE captured_at >= $1 AND captured_at < $2 ORDER BY captured_at
            """, [window.from, window.to]).map { (at: try $0.decode(Instant.self, at: 0), changes: try $0.decode(Int.self, at: 1)) }
        let total = snapshots.reduce(0) { $0 + $1.changes }
        guard total >= changesWorthTwoConnections else { return nil }
        var before = 0
        for snapshot in snapshots {
            if before * 2 >= total { return snapshot.at > window.from ? (snapshot.at, before, total - before) : nil }
            before += snapshot.changes
        }
        return nil
    }

    /// `reportRows(where:on:)` of a window in two parts read at once, on `connection` and
    /// a second connection that sees the same state of the history (PostgreSQL's exported
    /// snapshot): before `middle` there, from it here. Each part keeps its own text
    /// (`ReportRows.append(contentsOf:)`). A year of 1,000,000 profiles is 3.4 million
    /// changes, whose reading was most of its JSON report: the server's side of it (each
    /// row's `jsonb` diff printed as text) on one core, and the client's on another.
    private static func reportRows(
        where condition: String, on connection: PostgresConnection, codes: ClassificationCodes,
        splitAt split: (at: Instant, before: Int, after: Int),
        settings: [(name: String, value: String)]
    ) throws -> ReportRows {
        let middle = split.at
        let snapshot = try connection.query("SELECT pg_export_snapshot()")[0].decode(String.self, at: 0)
        guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw StoreError.internalInvariant("the server exported a snapshot named \(snapshot.prefix(40))")
        }
        // Without a second connection (the server's limit reached, a pooler that refuses the
        // snapshot), the window is read in one part, as a shorter one is.
        let sibling: PostgresConnection
        do {
            sibling = try connection.sibling()
        } catch {
            connection.logger.notice("reading the report's changes on one connection: \(error)")
            return try reportRows(where: condition, on: connection, codes: codes, expected: split.before + split.after)
        }
        defer { sibling.close() }
        do {
            try sibling.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try sibling.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'")
            try prepare(sibling, settings + [(ReportFilter.toSetting, middle.iso8601)])
        } catch {
            connection.logger.notice("reading the report's changes on one connection: \(error)")
            return try reportRows(where: condition, on: connection, codes: codes, expected: split.before + split.after)
        }
        try prepare(connection, [(ReportFilter.fromSetting, middle.iso8601)])
        // The earlier part on the sibling connection, lent to its thread until its result is
        // taken; the later part here.
        let earlier = Future(lending: sibling) { sibling in
            Result { try reportRows(where: condition, on: sibling, codes: codes, expected: split.before) }
        }
        let later = Result { try reportRows(where: condition, on: connection, codes: codes, expected: split.after) }
        // A part's own error first (the sibling's transaction is then rolled back as it closes).
        var rows = try earlier.get()
        rows.append(contentsOf: try later.get())
        try sibling.commit()
        return rows
    }

    /// The events with ids in `ids`, in id order.
    package func events(ids: ClosedRange<Int64>) throws -> [ReportItem] {
        try connection.query("""
            \(Self.eventColumns) WHERE event_id BETWEEN $1 AND $2 ORDER BY event_id
            """, [ids.lowerBound, ids.upperBound]).map(Self.item).attributed(by: connection)
    }

    /// Every event of one profile, oldest first.
    package func events(ofKey key: String) throws -> [ReportItem] {
        try connection.query("""
            \(Self.eventColumns) WHERE profile_key = $1 ORDER BY event_id
            """, [key]).map(Self.item).attributed(by: connection)
    }

    static func item(_ row: PostgresRow) throws -> ReportItem {
        let (kind, drift, severity) = try EventColumns.classification(
            kind: row.decode(String.self, at: 4), drift: row.decode(String.self, at: 6), severity: row.decode(String.self, at: 7))
        let diff = try row.decode(String.self, at: 9)
        return ReportItem(
            eventID: try row.decode(Int64.self, at: 0), key: try row.decode(String.self, at: 1),
            name: try row.decodeIfPresent(String.self, at: 2), accountID: try row.decodeIfPresent(String.self, at: 3),
            kind: kind, observedAt: try row.decode(Instant.self, at: 5), drift: drift, severity: severity,
            changedFields: try row.decode([String].self, at: 8), diff: try Self.decodeDiff(diff))
    }

    /// `item(_:)` of a binary `COPY` row of `reportRows`' columns, appended to `rows`: the text
    /// copied where it lies in the row, the diff written as JSON from its stored bytes.
    static func append(
        _ row: PostgresBinaryRow, to rows: inout ReportRows, codes: ClassificationCodes, fieldLists: inout RecurringFieldLists
    ) throws {
        func required<Value>(_ value: Value?, _ column: String) throws -> Value {
            guard let value else { throw StoreError.tampered("an event has NULL \(column)") }
            return value
        }
        let (kind, drift, severity) = try codes.classification(required(row.int64(at: 5), "kind, drift or severity"))
        let canonical = try row.bytes(at: 7)
        let diff = try canonical ?? required(row.jsonbBytes(at: 8), "diff")
        let fieldList = try canonical.map { try fieldLists.list(namedIn: $0, in: &rows) }
            ?? required(fieldLists.list(row, at: 6, in: &rows), "changed_fields")
        let appended = rows.append(
            id: try required(row.int64(at: 0), "id"), key: try required(row.bytes(at: 1), "profile_key"),
            name: try row.bytes(at: 2), accountID: try row.bytes(at: 3),
            kind: kind, observedAt: try required(row.timestamp(at: 4), "observed_at"), drift: drift, severity: severity,
            fieldList: fieldList, storedDiff: diff, canonical: canonical != nil)
        guard appended else {
            throw StoreError.tampered("an event's diff is not a field diff: \(String(decoding: diff.prefix(80), as: UTF8.self))")
        }
    }

    /// A stored diff, decoded once here for every renderer.
    static func decodeDiff(_ text: String) throws -> ProfileDiff {
        guard let diff = ProfileDiff(json: text) else { throw StoreError.tampered("an event's diff is not a field diff: \(text.prefix(80))") }
        return diff
    }

}

extension [ReportItem] {
    /// These items with who made each change, where the trail says so, and how many users
    /// held each one's profile then, where users are known.
    func attributed(by connection: PostgresConnection) throws -> [ReportItem] {
        var items = try TrailStore(connection: connection).attributed(self)
        let holders = try ProfileHolders.counts(of: items.compactMap(\.eventID), on: connection)
        for index in items.indices { items[index].holders = items[index].eventID.flatMap { holders[$0] } }
        return items
    }
}

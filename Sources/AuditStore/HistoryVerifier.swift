import AuditCore
import AuditModel
import AuditTime
import PostgresClient
import SnapshotReading

/// Walks the event hash chain and checks the history's invariants (DESIGN §5).
package struct HistoryVerifier {
    private let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Checks everything, stopping at the first break.
    package func verify() throws -> VerifyReport {
        var report = VerifyReport()
        try connection.withTransaction(isolation: .repeatableRead) { connection in
            var chain = EventChain.Verifier()
            var problem: String?
            var lastID: Int64?
            try connection.copyOut("""
                COPY (SELECT \(EventColumns.columns.joined(separator: ", ")), diff_json
                      FROM connect_audit.change_events ORDER BY id) TO STDOUT
                """) { fields in
                guard problem == nil else { return }
                let event = try EventColumns.decode(fields)
                if let reason = chain.check(event) {
                    problem = "event #\(event.id) (\(event.kind.rawValue) of \(event.key)): \(reason)"
                } else if let text = fields[EventColumns.columns.count], text != event.diffJSON {
                    // The text a report prints (migration 0014) is outside the chain: it
                    // must be the canonical form of the diff the chain covers.
                    problem = "event #\(event.id) (\(event.kind.rawValue) of \(event.key)): its diff_json is not its diff's canonical text, which its hash covers: \(text.prefix(80))"
                }
                lastID = event.id
            }
            report.eventsChecked = chain.count
            if let lastID { report.head = (lastID, chain.head) }
            report.versions = try connection.query("SELECT count(*) FROM connect_audit.profile_versions")[0].decode(Int.self, at: 0)
            if let problem {
                report.firstProblem = problem
                return
            }
            report.firstProblem = try firstInvariantBreak()
            if report.firstProblem == nil { report.firstProblem = try Self.firstSnapshotProblem(connection) }
            if report.firstProblem == nil { report.firstProblem = try firstAlteredVersion() }
            // Last: a version altered in place also mislabels its events, and is the cause.
            if report.firstProblem == nil, let row = try connection.query(Self.mislabelled).first, let detail = row.values[0] {
                report.firstProblem = "every event's label is its versions' name and account: \(detail)"
            }
            if report.firstProblem == nil, let row = try connection.query(Self.miscounted).first, let detail = row.values[0] {
                report.firstProblem = "the discoveries counted by instance are the discovered events: \(detail)"
            }
            // The user events' chain of their own (migration 0021).
            let userEvents = try UserIngestor.storedEvents(connection)
            report.userEventsChecked = userEvents.count
            if report.firstProblem == nil { report.firstProblem = UserEventChain.firstBreak(userEvents) }
        }
        return report
    }

    /// The first snapshot no ingest could have written (`snapshot_problems`, migration 18:
    /// no rows, captured after it was ingested, counts that are not its events, not later than
    /// an earlier snapshot of an overlapping scope), described; `nil` when there is none.
    /// From `snapshotID` on, when given.
    package static func firstSnapshotProblem(_ connection: PostgresConnection, from snapshotID: Int64 = 0) throws -> String? {
        guard let row = try connection.query("""
            SELECT snapshot_id, captured_at, problem FROM connect_audit.snapshot_problems
            WHERE snapshot_id >= $1 ORDER BY snapshot_id LIMIT 1
            """, [snapshotID]).first
        else { return nil }
        return "snapshot #\(try row.decode(Int64.self, at: 0)) (captured \(try row.decode(Instant.self, at: 1).iso8601)) \(try row.decode(String.self, at: 2)): no ingest writes such a row"
    }

    /// The first event whose label (migration 0013) is not its versions' name and account,
    /// described; labels are outside the chain, so this is what vouches for them.
    private static let mislabelled = """
        SELECT 'event #' || e.id || ' (' || e.kind || ' of ' || e.profile_key || ') is labelled '
               || coalesce(e.profile_name, '-') || ' / ' || coalesce(e.account_id, '-') || ' but its versions say '
               || coalesce(v.security_profile_name, p.security_profile_name, '-') || ' / '
               || coalesce(v.account_id, p.account_id, '-')
        FROM connect_audit.change_events e
        LEFT JOIN connect_audit.profile_versions v ON v.profile_key = e.profile_key AND v.version = e.to_version
        LEFT JOIN connect_audit.profile_versions p ON p.profile_key = e.profile_key AND p.version = e.from_version
        WHERE e.profile_name IS DISTINCT FROM coalesce(v.security_profile_name, p.security_profile_name) AND e.profile_name IS NOT NULL
           OR e.account_id IS DISTINCT FROM coalesce(v.account_id, p.account_id) AND e.account_id IS NOT NULL
        LIMIT 1
        """

    /// The first count of discoveries (migration 0016) that is not the `discovered` events it
    /// counts, described; the counts are outside the chain, so this is what vouches for them.
    private static let miscounted = """
        WITH counted AS (
            SELECT e.snapshot_id, coalesce(connect_audit.instance_in_key(e.profile_key), v.account_id, e.profile_key) AS instance,
                   v.account_id, min(e.observed_at) AS observed_at, count(*) AS profiles, min(e.id) AS first_event
            FROM connect_audit.change_events e
            LEFT JOIN connect_audit.profile_versions v ON v.profile_key = e.profile_key AND v.version = e.to_version
            WHERE e.kind = 'discovered'
            GROUP BY 1, 2, 3)
        SELECT 'snapshot #' || coalesce(c.snapshot_id, d.snapshot_id) || ', instance ' || coalesce(c.instance, d.instance)
               || ' / ' || coalesce(c.account_id, d.account_id, '-') || ': counted ' || coalesce(d.profiles::text, 'nothing')
               || ' from event #' || coalesce(d.first_event::text, '-') || ', but ' || coalesce(c.profiles::text, 'no')
               || ' discovered from event #' || coalesce(c.first_event::text, '-')
        FROM counted c
        FULL JOIN connect_audit.discoveries d
            ON d.snapshot_id = c.snapshot_id AND d.instance = c.instance AND coalesce(d.account_id, '') = coalesce(c.account_id, '')
        WHERE c.profiles IS DISTINCT FROM d.profiles OR c.first_event IS DISTINCT FROM d.first_event
           OR c.observed_at IS DISTINCT FROM d.observed_at
        LIMIT 1
        """

    /// Each invariant as a query that returns the first offending row's description.
    private static let invariants: [(String, String)] = [
        ("versions of a profile are numbered 1, 2, ... without gaps", """
            SELECT profile_key || ' has versions up to ' || max(version) || ' but ' || count(*) || ' rows'
            FROM connect_audit.profile_versions GROUP BY profile_key HAVING max(version) <> count(*) LIMIT 1
            """),
        ("every version was written with an event", """
            SELECT v.profile_key || ' version ' || v.version || ' has no event that created it'
            FROM connect_audit.profile_versions v
            WHERE NOT EXISTS (SELECT 1 FROM connect_audit.change_events e
                              WHERE e.profile_key = v.profile_key AND e.to_version = v.version)
            LIMIT 1
            """),
        ("every closed version was closed by an event", """
            SELECT v.profile_key || ' version ' || v.version || ' is closed without a modified, touched or deleted event'
            FROM connect_audit.profile_versions v
            WHERE v.valid_to IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM connect_audit.change_events e
                WHERE e.profile_key = v.profile_key AND e.from_version = v.version
                  AND e.kind IN ('modified', 'touched', 'deleted') AND e.observed_at = v.valid_to)
            LIMIT 1
            """),
        ("versions of a profile follow each other in time", """
            SELECT a.profile_key || ' version ' || a.version || ' ends after version ' || b.version || ' begins'
            FROM connect_audit.profile_versions a
            JOIN connect_audit.profile_versions b ON b.profile_key = a.profile_key AND b.version = a.version + 1
            WHERE a.valid_to IS NULL OR a.valid_to > b.valid_from
            LIMIT 1
            """),
        // The row digest is what makes a re-ingest a no-op: one forged to match an earlier
        // snapshot could make a new one pass as already ingested.
        ("a version's row digest is that of its key, timestamp and content hash", """
            SELECT v.profile_key || ' version ' || v.version || ' has a row_sha256 that is not the digest of its key, timestamp and content hash'
            FROM connect_audit.profile_versions v
            CROSS JOIN LATERAL (SELECT ((extract(epoch FROM v.last_modified_time) * 1000000)::bigint)::text AS micros) m
            WHERE v.row_sha256 IS NOT NULL AND v.row_sha256 IS DISTINCT FROM sha256(
                int4send(octet_length(v.profile_key)) || convert_to(v.profile_key, 'UTF8')
                || coalesce(int4send(octet_length(m.micros)) || convert_to(m.micros, 'UTF8'), int4send(0))
                || decode(v.content_hash, 'hex'))
            LIMIT 1
            """),
        ("every event that writes a version has it", """
            SELECT 'event #' || e.id || ' (' || e.kind || ' of ' || e.profile_key || ') wrote version ' || e.to_version || ', which is missing'
            FROM connect_audit.change_events e
            WHERE e.to_version IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM connect_audit.profile_versions v WHERE v.profile_key = e.profile_key AND v.version = e.to_version)
            LIMIT 1
            """),
        ("every deletion closed the version it names", """
            SELECT 'event #' || e.id || ' deleted ' || e.profile_key || ' version ' || e.from_version || ', which is '
                   || CASE WHEN v.profile_key IS NULL THEN 'missing' ELSE 'open or closed at another time' END
            FROM connect_audit.change_events e
            LEFT JOIN connect_audit.profile_versions v ON v.profile_key = e.profile_key AND v.version = e.from_version
            WHERE e.kind = 'deleted' AND (v.profile_key IS NULL OR v.valid_to IS DISTINCT FROM e.observed_at)
            LIMIT 1
            """),
        ("a snapshot's counts are those of its events", """
            SELECT 'snapshot #' || s.id || ' says ' || s.created_count || ' created, ' || s.modified_count || ' modified, '
                   || s.touched_count || ' touched, ' || s.deleted_count || ' deleted, ' || s.recreated_count || ' recreated, '
                   || s.discovered_count || ' discovered; its events differ'
            FROM connect_audit.snapshots s
            LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE kind = 'created') AS created, count(*) FILTER (WHERE kind = 'modified') AS modified,
                       count(*) FILTER (WHERE kind = 'touched') AS touched, count(*) FILTER (WHERE kind = 'deleted') AS deleted,
                       count(*) FILTER (WHERE kind = 'recreated') AS recreated, count(*) FILTER (WHERE kind = 'discovered') AS discovered
                FROM connect_audit.change_events e WHERE e.snapshot_id = s.id) c ON true
            WHERE (s.created_count, s.modified_count, s.touched_count, s.deleted_count, s.recreated_count, s.discovered_count)
                  IS DISTINCT FROM (c.created, c.modified, c.touched, c.deleted, c.recreated, c.discovered)
            LIMIT 1
            """),
        ("a snapshot's warning count is that of its warnings", """
            SELECT 'snapshot #' || s.id || ' says ' || s.warning_count || ' warning(s), ' || count(w.snapshot_id) || ' remain'
            FROM connect_audit.snapshots s LEFT JOIN connect_audit.snapshot_warnings w ON w.snapshot_id = s.id
            GROUP BY s.id, s.warning_count HAVING s.warning_count <> count(w.snapshot_id)
            LIMIT 1
            """),
        ("a version begins when its snapshot was captured", """
            SELECT v.profile_key || ' version ' || v.version || ' begins at ' || v.valid_from || ', not at its snapshot''s capture'
            FROM connect_audit.profile_versions v JOIN connect_audit.snapshots s ON s.id = v.snapshot_id
            WHERE v.valid_from <> s.captured_at LIMIT 1
            """),
    ]

    /// The first version whose columns do not hash to its `content_hash` (a field edited in
    /// place by someone who can bypass the triggers).
    private func firstAlteredVersion() throws -> String? {
        let columns = "version, content_hash, " + ProfileColumns.record.joined(separator: ", ")
        for row in try connection.query("SELECT \(columns) FROM connect_audit.profile_versions ORDER BY profile_key, version") {
            let profile = try ProfileColumns.decode(row)
            let stored = try row.decode(String.self, column: "content_hash")
            if profile.contentHash != stored {
                let version = try row.decode(Int.self, column: "version")
                return "a version's content hash is that of its columns: \(profile.key) version \(version) does not hash to its content_hash (a field was edited)"
            }
        }
        return nil
    }

    private func firstInvariantBreak() throws -> String? {
        for (name, sql) in Self.invariants {
            if let row = try connection.query(sql).first, let detail = row.values[0] {
                return "\(name): \(detail)"
            }
        }
        return nil
    }
}

import AuditCore
import AuditModel
import Foundation
import PostgresClient
import SnapshotReading

/// The alert outbox: rows written with their events, delivered at least once.
package struct AlertOutbox {
    let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Writes one row per matching (event, rule, channel), inside the caller's transaction.
    /// `notify` channels are sent here, with the transaction, and recorded as delivered.
    func enqueue(_ events: [ChainedEvent], changes: ChangeSet, open: OpenVersions, rules: AlertRules) throws {
        var profiles: [String: SecurityProfile] = [:]
        for version in changes.newVersions { profiles[version.profile.key] = version.profile }
        let names = try namesOfVersionsLeft(events.filter { profiles[$0.key] == nil })
        // How many users held each changed profile: asked only when a rule weighs it.
        let holders = rules.rules.contains { $0.minHolders != nil }
            ? try ProfileHolders.counts(of: events.map(\.id), on: connection) : [:]
        var rows: [(event: ChainedEvent, rule: String, channel: AlertChannel)] = []
        for event in events where !changes.notAlerted.contains(event.key) {
            let profile = profiles[event.key]
            var subject = AlertSubject(
                kind: event.kind, drift: event.drift, severity: event.severity,
                accountID: profile?.accountID ?? open[event.key]?.accountID,
                profileName: profile?.securityProfileName ?? names[event.key], changedFields: event.changedFields)
            subject.holders = holders[event.id]
            for (rule, channel) in rules.matches(subject) { rows.append((event, rule, channel)) }
        }
        guard !rows.isEmpty else { return }
        // More alerts for a channel than its digest_over: one digest message for them all.
        var perChannel: [String: (channel: AlertChannel, count: Int)] = [:]
        for row in rows { perChannel[row.channel.name, default: (row.channel, 0)].count += 1 }
        var digestOf: [String: Int64] = [:]
        if let snapshotID = events.first?.snapshotID {
            for (name, entry) in perChannel.sorted(by: { $0.key < $1.key }) where entry.channel.digests && entry.count > entry.channel.digestOver {
                digestOf[name] = try connection.query(
                    "INSERT INTO connect_audit.alert_digests (snapshot_id, channel) VALUES ($1, $2) RETURNING id", [snapshotID, name]
                )[0].decode(Int64.self, at: 0)
            }
        }
        try connection.copyIn("COPY connect_audit.alert_outbox (event_id, rule, channel, state, delivered_at, digest_id) FROM STDIN") { writer in
            for row in rows {
                try writer.append(row.event.id)
                try writer.append(row.rule)
                try writer.append(row.channel.name)
                if case .notify = row.channel.kind {
                    try writer.append("delivered")
                    try writer.append("now")
                } else {
                    try writer.append(digestOf[row.channel.name] == nil ? "pending" : "digested")
                    try writer.append(nil as String?)
                }
                try writer.append(digestOf[row.channel.name])
                try writer.endRow()
            }
        }
        for row in rows {
            guard case .notify(let channel) = row.channel.kind else { continue }
            let subject = profiles[row.event.key]?.securityProfileName ?? names[row.event.key]
            try connection.notify(channel, payload: AlertPayload.json(
                AlertEvent(
                    eventID: row.event.id, key: row.event.key, name: subject, kind: row.event.kind,
                    observedAt: row.event.observedAt, drift: row.event.drift, severity: row.event.severity,
                    changedFields: row.event.changedFields),
                rule: row.rule, alertID: nil))
        }
    }

    /// The names of the versions `events` left (deletions: the version they closed), by key.
    private func namesOfVersionsLeft(_ events: [ChainedEvent]) throws -> [String: String] {
        let left = events.compactMap { event in event.fromVersion.map { (event.key, String($0)) } }
        guard !left.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for row in try connection.query("""
            SELECT profile_key, security_profile_name FROM connect_audit.profile_versions
            WHERE (profile_key, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))
            """, [left.map(\.0), left.map(\.1)]) {
            if let name = try row.decodeIfPresent(String.self, at: 1) { names[try row.decode(String.self, at: 0)] = name }
        }
        return names
    }

    private static let selectAlert = """
        SELECT o.id, o.rule, o.channel, o.state, o.attempts, o.last_error,
               t.event_id, t.profile_key, t.security_profile_name, t.account_id, t.kind::text, t.observed_at,
               t.drift::text, t.severity::text, t.changed_fields, t.diff::text
        FROM connect_audit.alert_outbox o JOIN connect_audit.profile_timeline t ON t.event_id = o.event_id
        """

    /// Locks the next due pending alert (in event order, profile changes before users') for
    /// this transaction, skipping alerts another deliverer holds: two deliverers never send
    /// the same alert at once. A profile's alert carries who made the change, when the trail
    /// says so by now, and how many users held the profile.
    package func claimNext() throws -> OutboxAlert? {
        guard let claimed = try connection.query("""
            SELECT id, user_event_id IS NOT NULL FROM connect_audit.alert_outbox
            WHERE state = 'pending' AND next_attempt_at <= now()
            ORDER BY event_id NULLS LAST, user_event_id, id LIMIT 1 FOR UPDATE SKIP LOCKED
            """).first else { return nil }
        let id = try claimed.decode(Int64.self, at: 0)
        if try claimed.decode(Bool.self, at: 1) {
            return try connection.query("\(Self.selectUserAlert) WHERE o.id = $1", [id]).first.map(Self.userAlert)
        }
        guard var alert = try connection.query("\(Self.selectAlert) WHERE o.id = $1", [id]).first.map(Self.alert) else { return nil }
        alert.event.attributions = try TrailStore(connection: connection).attributions(of: [alert.event.eventID])[alert.event.eventID] ?? []
        alert.event.holders = try ProfileHolders.counts(of: [alert.event.eventID], on: connection)[alert.event.eventID]
        return alert
    }

    /// Seconds until the next pending alert or digest is due, or `nil` when none is pending.
    package func secondsUntilNextDue() throws -> Double? {
        // min() of no rows is NULL: nothing pending. (greatest() would turn it into 0.)
        try connection.query("""
            SELECT extract(epoch FROM min(next_attempt_at) - now())::float8
            FROM (SELECT next_attempt_at FROM connect_audit.alert_outbox WHERE state = 'pending'
                  UNION ALL SELECT next_attempt_at FROM connect_audit.alert_digests WHERE state = 'pending') due
            """)[0].decodeIfPresent(Double.self, at: 0).map { max(0, $0) }
    }

    /// Locks the next due pending digest for this transaction (as `claimNext` does for
    /// alerts), with the events of all its alerts; and how many attempts it had.
    package func claimNextDigest() throws -> (digest: AlertDigest, attempts: Int)? {
        guard let row = try connection.query("""
            SELECT id, snapshot_id, channel, attempts FROM connect_audit.alert_digests
            WHERE id = (SELECT id FROM connect_audit.alert_digests WHERE state = 'pending' AND next_attempt_at <= now()
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            """).first else { return nil }
        let id = try row.decode(Int64.self, at: 0)
        var events: [Int64: AlertEvent] = [:]
        for alert in try connection.query("\(Self.selectAlert) WHERE o.digest_id = $1 ORDER BY o.event_id, o.id", [id]).map(Self.alert) {
            events[alert.event.eventID] = alert.event
        }
        let digest = AlertDigest(
            id: id, channel: try row.decode(String.self, at: 2), snapshotID: try row.decode(Int64.self, at: 1), events: Array(events.values))
        return (digest, try row.decode(Int.self, at: 3))
    }

    /// Records a digest's delivery attempt: delivered, retried after `seconds`, or failed.
    package func markDigest(_ id: Int64, delivered: Bool, retryAfter seconds: Double? = nil, error: String? = nil) throws {
        let state = delivered ? "delivered" : seconds == nil ? "failed" : "pending"
        try connection.execute("""
            UPDATE connect_audit.alert_digests
            SET state = $2, attempts = attempts + 1, last_error = $3,
                delivered_at = CASE WHEN $2 = 'delivered' THEN now() END,
                next_attempt_at = now() + make_interval(secs => coalesce($4, 0))
            WHERE id = $1
            """, [id, state, error, seconds])
    }

    package func markDelivered(_ id: Int64) throws {
        try connection.execute("""
            UPDATE connect_audit.alert_outbox SET state = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL
            WHERE id = $1
            """, [id])
    }

    package func markRetry(_ id: Int64, after seconds: Double, error: String) throws {
        try connection.execute("""
            UPDATE connect_audit.alert_outbox
            SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2), last_error = $3
            WHERE id = $1
            """, [id, seconds, error])
    }

    package func markFailed(_ id: Int64, error: String) throws {
        try connection.execute("""
            UPDATE connect_audit.alert_outbox SET state = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1
            """, [id, error])
    }

    /// Alerts in `states` (of one digest, if given), oldest event first, profile changes
    /// before users'.
    package func list(states: [String], digest: Int64? = nil) throws -> [OutboxAlert] {
        let profiles = try connection.query("""
            \(Self.selectAlert) WHERE o.state = ANY($1::text[]) AND ($2::bigint IS NULL OR o.digest_id = $2) ORDER BY o.event_id, o.id
            """, [states, digest]).map(Self.alert)
        guard digest == nil else { return profiles }
        return profiles + (try connection.query("""
            \(Self.selectUserAlert) WHERE o.state = ANY($1::text[]) ORDER BY o.user_event_id, o.id
            """, [states]).map(Self.userAlert))
    }

    /// Puts a failed alert back to pending, due now. Returns whether one was.
    package func retry(_ id: Int64) throws -> Bool {
        try connection.execute("""
            UPDATE connect_audit.alert_outbox SET state = 'pending', next_attempt_at = now(), attempts = 0 WHERE id = $1 AND state = 'failed'
            """, [id]).affectedRows == 1
    }

    private static func alert(_ row: PostgresRow) throws -> OutboxAlert {
        let values = Array(row.values)
        let eventRow = PostgresRow(columns: Array(row.columns[6...]), values: Array(values[6...]))
        return OutboxAlert(
            id: try row.decode(Int64.self, at: 0), rule: try row.decode(String.self, at: 1),
            channel: try row.decode(String.self, at: 2), state: try row.decode(String.self, at: 3),
            attempts: try row.decode(Int.self, at: 4), lastError: try row.decodeIfPresent(String.self, at: 5),
            event: try Self.event(HistoryQueries.item(eventRow)))
    }

    /// An outbox row's event, which is always a stored one.
    private static func event(_ item: ReportItem) throws -> AlertEvent {
        guard let event = AlertEvent(item) else { throw StoreError.internalInvariant("an alert's event has no id or time") }
        return event
    }
}

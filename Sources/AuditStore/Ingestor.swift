import AuditCore
import Foundation
import Logging
import PostgresClient

/// What to ingest and how.
package struct IngestRequest: Sendable {
    /// The snapshot, read and hashed.
    package var snapshot: Snapshot
    /// Where it came from (file names), for the `snapshots` row.
    package var source: String
    /// The format it was read as (several with `--parts` are joined).
    package var format: String
    /// When the export was taken.
    package var capturedAt: Instant
    /// `--scope`, or `nil` for the default (the instances in the snapshot).
    package var scope: SnapshotScope?
    /// The largest share of the open profiles in scope one snapshot may delete.
    package var maxDeleteFraction: Double
    /// Compute and return the change set, write nothing.
    package var dryRun: Bool
    /// Alert rules: matching events get `alert_outbox` rows in the same transaction.
    package var rules: AlertRules?

    package init(
        snapshot: Snapshot, source: String, format: String, capturedAt: Instant, scope: SnapshotScope?,
        maxDeleteFraction: Double = 0.5, dryRun: Bool = false, rules: AlertRules? = nil
    ) {
        self.snapshot = snapshot
        self.source = source
        self.format = format
        self.capturedAt = capturedAt
        self.scope = scope
        self.maxDeleteFraction = maxDeleteFraction
        self.dryRun = dryRun
        self.rules = rules
    }
}

/// What an ingest did.
package enum IngestOutcome: Sendable {
    /// Stored as snapshot `id`.
    case ingested(snapshotID: Int64, changes: ChangeSet)
    /// The same content and scope was stored before, as snapshot `id`: nothing written.
    case alreadyIngested(snapshotID: Int64, capturedAt: Instant)
    /// `--dry-run`: the change set, nothing written.
    case dryRun(changes: ChangeSet)
}

/// Writes a snapshot into the history: one transaction under one advisory lock (DESIGN §5).
///
/// Parse and validate happen before (the caller hands a `Snapshot`); here: lock, refuse
/// what must be refused, load the open versions, diff, write with `COPY`, commit. A crash
/// or kill anywhere leaves the database as it was; running the same ingest again finishes
/// the job.
package struct Ingestor {
    /// The advisory lock every ingest takes, so ingests run one after the other.
    package static let lockKey: Int64 = 0x636F_6E6E_696E_6765  // "conninge"

    /// The channel every ingest notifies on commit, with `snapshot_id first_event last_event`
    /// (what `watch` listens to).
    package static let eventsChannel = "connect_audit_events"

    private let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Ingests one snapshot.
    ///
    /// - Throws: `StoreError.staleSnapshot` when a snapshot captured at or after this one
    ///   already covers an overlapping scope; `StoreError.tooManyDeletions` past
    ///   `maxDeleteFraction`; `PostgresError` from the server.
    package func ingest(_ request: IngestRequest) throws -> IngestOutcome {
        let scope = request.scope ?? request.snapshot.impliedScope
        let accounts = Set(request.snapshot.records.compactMap { $0.profile.accountID }).sorted()
        return try connection.withTransaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
            if let earlier = try connection.query("""
                SELECT id, captured_at FROM connect_audit.snapshots
                WHERE content_sha256 = $1 AND scope_kind = $2::connect_audit.scope_kind AND scope_ids = $3::text[]
                ORDER BY id LIMIT 1
                """, [request.snapshot.contentSHA256, scope.kind, scope.ids]).first {
                return .alreadyIngested(
                    snapshotID: try earlier.decode(Int64.self, at: 0),
                    capturedAt: Instant(try earlier.decode(PostgresTimestamp.self, at: 1)))
            }
            if let newer = try connection.query("""
                SELECT id, captured_at FROM connect_audit.snapshots s
                WHERE s.captured_at >= $1 AND (
                    s.scope_kind = 'all' OR $2 = 'all'
                    OR (s.scope_kind = 'instance' AND $2 = 'instance' AND s.scope_ids && $3::text[])
                    OR (s.scope_kind = 'account' AND $2 = 'account' AND s.scope_ids && $3::text[])
                    OR (s.scope_kind = 'account' AND $2 = 'instance' AND s.scope_ids && $4::text[])
                    OR (s.scope_kind = 'instance' AND $2 = 'account' AND s.accounts && $3::text[]))
                ORDER BY captured_at DESC LIMIT 1
                """, [request.capturedAt.postgres, scope.kind, scope.ids, accounts]).first {
                throw StoreError.staleSnapshot(
                    capturedAt: request.capturedAt, newerID: try newer.decode(Int64.self, at: 0),
                    newerCapturedAt: Instant(try newer.decode(PostgresTimestamp.self, at: 1)))
            }
            let open = try loadOpenVersions(expected: request.snapshot.records.count)
            let needed = Differ.priorRowsNeeded(request.snapshot, open: open)
            let openProfiles = try loadOpenProfiles(needed.changed)
            let lastVersions = try loadLastVersions(needed.unseen)
            let changes = Differ.diff(
                request.snapshot, open: open, openProfiles: openProfiles, lastVersions: lastVersions,
                scope: scope, scopeIsImplied: request.scope == nil)
            if changes.deletionFraction > request.maxDeleteFraction {
                throw StoreError.tooManyDeletions(
                    deleted: changes.count(.deleted), openInScope: changes.openInScope, limit: request.maxDeleteFraction)
            }
            if request.dryRun { return .dryRun(changes: changes) }
            let snapshotID = try insertSnapshot(request, scope: scope, accounts: accounts, changes: changes)
            try write(changes, snapshotID: snapshotID, capturedAt: request.capturedAt, open: open, rules: request.rules)
            return .ingested(snapshotID: snapshotID, changes: changes)
        }
    }

    /// Every open version's summary, read with `COPY` (one pass, flat memory).
    private func loadOpenVersions(expected: Int) throws -> [String: OpenVersion] {
        var open: [String: OpenVersion] = [:]
        open.reserveCapacity(expected)
        try connection.copyOut("""
            COPY (SELECT profile_key, version, last_modified_time, content_hash, scope_instance, account_id, security_profile_name
                  FROM connect_audit.profile_versions WHERE valid_to IS NULL) TO STDOUT
            """) { fields in
            guard let key = fields[0], let version = fields[1].flatMap(Int.init), let hash = fields[3], let instance = fields[4] else {
                throw PostgresError(.decoding, "an open version has NULL in a NOT NULL column")
            }
            open[key] = OpenVersion(
                key: key, version: version,
                lastModifiedTime: try fields[2].map { Instant(try PostgresTimestamp(postgresText: $0)) },
                contentHash: hash, scopeInstance: instance, accountID: fields[5], name: fields[6])
        }
        return open
    }

    private static let recordColumns = ProfileColumns.record.joined(separator: ", ")

    /// The full open versions of `keys` (those whose content changed).
    private func loadOpenProfiles(_ keys: [String]) throws -> [String: SecurityProfile] {
        guard !keys.isEmpty else { return [:] }
        var profiles: [String: SecurityProfile] = [:]
        for row in try connection.query("""
            SELECT \(Self.recordColumns) FROM connect_audit.profile_versions
            WHERE valid_to IS NULL AND profile_key = ANY($1::text[])
            """, [keys]) {
            let profile = try ProfileColumns.decode(row)
            profiles[profile.key] = profile
        }
        return profiles
    }

    /// The last version of each of `keys` that has any (deleted profiles coming back).
    private func loadLastVersions(_ keys: [String]) throws -> [String: StoredVersion] {
        guard !keys.isEmpty else { return [:] }
        // A first ingest has no history to look in: skip sending every key to find none.
        let empty = try connection.query("SELECT NOT EXISTS (SELECT 1 FROM connect_audit.profile_versions)")[0]
        if try empty.decode(Bool.self, at: 0) { return [:] }
        var versions: [String: StoredVersion] = [:]
        for row in try connection.query("""
            SELECT DISTINCT ON (profile_key) version, \(Self.recordColumns) FROM connect_audit.profile_versions
            WHERE profile_key = ANY($1::text[]) ORDER BY profile_key, version DESC
            """, [keys]) {
            let profile = try ProfileColumns.decode(row)
            versions[profile.key] = StoredVersion(version: try row.decode(Int.self, column: "version"), profile: profile)
        }
        return versions
    }

    private func insertSnapshot(_ request: IngestRequest, scope: SnapshotScope, accounts: [String], changes: ChangeSet) throws -> Int64 {
        let instances = Set(request.snapshot.records.map { $0.profile.scopeInstance }).sorted()
        return try connection.query("""
            INSERT INTO connect_audit.snapshots
                (source, format, captured_at, content_sha256, scope_kind, scope_ids, accounts, instances, row_count,
                 created_count, modified_count, touched_count, deleted_count, recreated_count, unchanged_count, warning_count)
            VALUES ($1, $2, $3, $4, $5::connect_audit.scope_kind, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            RETURNING id
            """, [
                request.source, request.format, request.capturedAt.postgres, request.snapshot.contentSHA256,
                scope.kind, scope.ids, accounts, instances, request.snapshot.records.count,
                changes.count(.created), changes.count(.modified), changes.count(.touched), changes.count(.deleted),
                changes.count(.recreated), changes.unchanged, changes.warnings.count,
            ])[0].decode(Int64.self, at: 0)
    }

    /// Closes replaced versions, then writes new versions, events and warnings with `COPY`.
    private func write(_ changes: ChangeSet, snapshotID: Int64, capturedAt: Instant, open: [String: OpenVersion], rules: AlertRules?) throws {
        let validFrom = capturedAt.postgres
        if !changes.closedVersions.isEmpty {
            let closed = try connection.execute("""
                UPDATE connect_audit.profile_versions SET valid_to = $1
                WHERE valid_to IS NULL AND profile_key = ANY($2::text[])
                """, [validFrom, Array(changes.closedVersions.keys)])
            guard closed.affectedRows == changes.closedVersions.count else {
                throw StoreError.concurrentChange("expected to close \(changes.closedVersions.count) versions, closed \(closed.affectedRows)")
            }
        }
        if !changes.newVersions.isEmpty {
            try connection.copyIn(
                "COPY connect_audit.profile_versions (\(ProfileColumns.copyColumns.joined(separator: ", "))) FROM STDIN"
            ) { writer in
                for version in changes.newVersions {
                    try ProfileColumns.encode(version, validFrom: validFrom, snapshotID: snapshotID, into: &writer)
                }
            }
        }
        if !changes.events.isEmpty {
            let last = try connection.query("SELECT id, hash FROM connect_audit.change_events ORDER BY id DESC LIMIT 1").first
            let events = EventChain.chain(
                changes.events, snapshotID: snapshotID, observedAt: capturedAt,
                after: try last?.decode(Int64.self, at: 0) ?? 0, lastHash: try last?.decode(String.self, at: 1) ?? EventChain.genesis)
            try EventColumns.copy(events, into: connection)
            if let rules { try AlertOutbox(connection: connection).enqueue(events, changes: changes, open: open, rules: rules) }
            // Delivered when the transaction commits, so watchers see only committed events.
            try connection.notify(Self.eventsChannel, payload: "\(snapshotID) \(events[0].id) \(events[events.count - 1].id)")
        }
        if !changes.warnings.isEmpty {
            try connection.copyIn("COPY connect_audit.snapshot_warnings (snapshot_id, profile_key, kind, detail) FROM STDIN") { writer in
                for warning in changes.warnings {
                    try writer.append(snapshotID)
                    try writer.append(warning.key)
                    try writer.append(warning.kind)
                    try writer.append(warning.detail)
                    try writer.endRow()
                }
            }
        }
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation
import Logging
import PostgresClient
import SnapshotReading

/// Writes a snapshot into the history: one transaction under one advisory lock (DESIGN §5).
///
/// Parse and validate happen before (the caller reads its files with `openState()`'s known
/// sources and hands a `Snapshot`); here: lock, refuse what must be refused, take the open
/// versions (those loaded before, unless another ingest committed since), diff, write with
/// `COPY`, commit. A crash or kill anywhere leaves the database as it was; running the same
/// ingest again finishes the job.
package struct Ingestor {
    /// The advisory lock every ingest takes, so ingests run one after the other.
    package static let lockKey: Int64 = 0x636F_6E6E_696E_6765  // "conninge"

    /// The channel every ingest notifies on commit, with `snapshot_id first_event last_event`
    /// (what `watch` listens to).
    package static let eventsChannel = "connect_audit_events"

    let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The open versions now, for reading a snapshot's files with their known sources and
    /// then ingesting it (no lock: `ingest` checks under its lock that nothing moved since).
    package func openState() throws -> OpenState {
        // The newest snapshot first: if an ingest commits between the two reads, the state
        // is newer than the id says, and `ingest` reloads it (harmless).
        let newest = try newestSnapshotID()
        return OpenState(versions: try loadOpenVersions(), newestSnapshotID: newest)
    }

    /// Ingests one snapshot.
    ///
    /// - Parameter state: what `openState()` returned before `request.snapshot` was read
    ///   with its known sources; `nil` loads the open versions under the lock (a snapshot
    ///   read without known sources).
    /// - Throws: `StoreError.staleSnapshot` when a snapshot captured at or after this one
    ///   already covers an overlapping scope; `StoreError.tooManyDeletions` past
    ///   `maxDeleteFraction`; `PostgresError` from the server.
    package func ingest(_ request: IngestRequest, state: OpenState? = nil) throws -> IngestOutcome {
        let (outcome, bulkLoaded) = try ingestInTransaction(request, state: state)
        FaultPoint.afterCommit.pass()
        if bulkLoaded { analyzeAfterBulkLoad() }
        return outcome
    }

    /// The outcome, and whether the versions were written by a `BulkLoad`.
    func ingestInTransaction(_ request: IngestRequest, state: OpenState?) throws -> (IngestOutcome, bulkLoaded: Bool) {
        let scope = request.effectiveScope
        let accounts = request.snapshot.accounts
        return try connection.withTransaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
            FaultPoint.afterLock.pass()
            // The newest snapshot whose scope overlaps this one's. A repeat is a no-op only
            // against it: content seen in an older snapshot is a revert (night 3 restores what
            // night 2 removed without moving the timestamp) and must be recorded, not skipped.
            // The same content and scope captured at the same moment is this very snapshot,
            // already ingested by a run that is now repeated (a loop over files restarted).
            if let newest = try connection.query("""
                SELECT id, captured_at,
                       content_sha256 = $4 AND scope_kind = $1::connect_audit.scope_kind AND scope_ids = $2::text[]
                FROM connect_audit.snapshots s
                -- The one rule of overlapping scopes, which the snapshots' insert trigger applies too.
                WHERE connect_audit.scopes_overlap(s.scope_kind, s.scope_ids, s.accounts, $1::connect_audit.scope_kind, $2::text[], $3::text[])
                ORDER BY captured_at DESC, id DESC LIMIT 1
                """, [scope.kind, scope.ids, accounts, request.snapshot.contentSHA256]).first {
                let newestID = try newest.decode(Int64.self, at: 0)
                let newestCapturedAt = try newest.decode(Instant.self, at: 1)
                if try newest.decode(Bool.self, at: 2) {
                    return (.alreadyIngested(snapshotID: newestID, capturedAt: newestCapturedAt), false)
                }
                if let same = try connection.query("""
                    SELECT id FROM connect_audit.snapshots
                    WHERE content_sha256 = $1 AND scope_kind = $2::connect_audit.scope_kind AND scope_ids = $3::text[]
                      AND captured_at = $4
                    """, [request.snapshot.contentSHA256, scope.kind, scope.ids, request.capturedAt]).first {
                    return (.alreadyIngested(snapshotID: try same.decode(Int64.self, at: 0), capturedAt: request.capturedAt), false)
                }
                if newestCapturedAt >= request.capturedAt {
                    throw StoreError.staleSnapshot(capturedAt: request.capturedAt, newerID: newestID, newerCapturedAt: newestCapturedAt)
                }
            }
            // Every ingest writes under this lock, so the same newest snapshot means the same open versions.
            var snapshot = request.snapshot
            let unchangedSince = try state.map { try newestSnapshotID() == $0.newestSnapshotID } ?? false
            if !unchangedSince {
                snapshot = try readAgainst(try loadOpenVersions(), snapshot)
            }
            let open = snapshot.readAgainst
            let needed = Differ.priorRowsNeeded(snapshot, open: open)
            let openProfiles = try loadOpenProfiles(needed.changed)
            let lastVersions = try loadLastVersions(needed.unseen)
            var changes = Differ.diff(
                snapshot, open: open, openProfiles: openProfiles, lastVersions: lastVersions,
                scope: scope, scopeIsImplied: request.scope == nil, policy: request.policy,
                knownInstances: try knownInstances(), observed: try observedFields(), capturedAt: request.capturedAt)
            changes.warnings = request.sourceWarnings + changes.warnings
            if changes.deletionFraction > request.maxDeleteFraction {
                throw StoreError.tooManyDeletions(
                    deleted: changes.count(.deleted), openInScope: changes.openInScope, limit: request.maxDeleteFraction)
            }
            if request.dryRun { return (.dryRun(changes: changes), false) }
            FaultPoint.afterDiff.pass()
            // Before the snapshot row: a bulk load alters the tables that refer to `snapshots`,
            // which PostgreSQL refuses while the row's deferred check is pending.
            let bulk = try BulkLoad.begin(on: connection, rows: changes.newVersions.count)
            let snapshotID = try insertSnapshot(request, scope: scope, accounts: accounts, changes: changes)
            FaultPoint.afterSnapshotRow.pass()
            let bulkLoaded = try write(
                changes, snapshotID: snapshotID, capturedAt: request.capturedAt, open: open, rules: request.rules, bulk: bulk)
            FaultPoint.beforeCommit.pass()
            return (.ingested(snapshotID: snapshotID, changes: changes), bulkLoaded)
        }
    }

    /// Inserts the snapshot row, under `id` when one was taken from the sequence already
    /// (only then the statement names the id: the ingest role may insert, not take ids).
    func insertSnapshot(
        _ request: IngestRequest, scope: SnapshotScope, accounts: [String], changes: ChangeSet, id: Int64? = nil
    ) throws -> Int64 {
        var parameters: [(any PostgresEncodable)?] = [
            request.source, request.format, request.capturedAt, request.snapshot.contentSHA256,
            scope.kind, scope.ids, accounts, request.snapshot.instances, request.snapshot.count,
            changes.count(.created), changes.count(.modified), changes.count(.touched), changes.count(.deleted),
            changes.count(.recreated), changes.unchanged, changes.warnings.count, changes.count(.discovered),
        ]
        if let id { parameters.append(id) }
        return try connection.query("""
            INSERT INTO connect_audit.snapshots
                (source, format, captured_at, content_sha256, scope_kind, scope_ids, accounts, instances, row_count,
                 created_count, modified_count, touched_count, deleted_count, recreated_count, unchanged_count, warning_count,
                 discovered_count\(id == nil ? "" : ", id")) \(id == nil ? "" : "OVERRIDING SYSTEM VALUE")
            VALUES ($1, $2, $3, $4, $5::connect_audit.scope_kind, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17\(id == nil ? "" : ", $18"))
            RETURNING id
            """, parameters)[0].decode(Int64.self, at: 0)
    }
}

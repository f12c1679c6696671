import AuditCore
import AuditModel
import AuditTime
import Foundation
import Logging
import Platform
import PostgresClient
import SnapshotReading

/// A first load into an empty history, streamed while the files are read.
extension Ingestor {
    /// A first load: into an empty history, as a `BulkLoad`, the versions sent to the
    /// server while the files are still being read (for an empty history every record is
    /// a first version, known as soon as it is decoded), the versions' indexes built while
    /// the client diffs, the events chained as they are copied: reading and the server's
    /// `COPY` overlap instead of following each other.
    ///
    /// The same transaction under the same lock as `ingest`, and the same checks: the
    /// snapshot row is written last (under an id taken from its sequence first, so the
    /// versions can name it; their foreign key is checked when it is restored), the events
    /// come from `Differ.diff` as on every ingest, and a reading problem (any issue in any
    /// file, a repeated key) aborts the `COPY` and rolls everything back. The tables stay
    /// locked against other sessions for the whole read (as they are, on the other path,
    /// for the `COPY` and the index builds).
    ///
    /// - Parameters:
    ///   - request: what to ingest and how, not a dry run; its `snapshot` is ignored (the
    ///     one `read` returns is ingested).
    ///   - read: reads the snapshot, handing each run of records (with their digests) to
    ///     the closure it is given as soon as they are decoded, in input order
    ///     (`SnapshotFiles.readStreaming`).
    /// - Returns: the snapshot read and the outcome; `nil`, having read and written nothing,
    ///   when the history is not empty or this role does not own the tables (ingest it
    ///   the usual way).
    package func firstLoad(
        _ request: IngestRequest,
        reading read: (_ decoded: (ArraySlice<ParsedRecord>, ArraySlice<RecordDigests>) throws -> Void) throws -> Snapshot
    ) throws -> (snapshot: Snapshot, outcome: IngestOutcome)? {
        precondition(!request.dryRun, "a dry run writes nothing to stream into")
        let loaded = try connection.withTransaction { connection -> (Snapshot, IngestOutcome)? in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
            FaultPoint.afterLock.pass()
            // No snapshot row, so no version and no event either (both reference one).
            let empty = try connection.query("SELECT NOT EXISTS (SELECT 1 FROM connect_audit.snapshots)")[0]
            guard try empty.decode(Bool.self, at: 0), var bulk = try BulkLoad.beginFirstLoad(on: connection) else { return nil }
            let snapshotID = try connection.query("""
                SELECT nextval(pg_get_serial_sequence('connect_audit.snapshots', 'id'))
                """)[0].decode(Int64.self, at: 0)
            // No snapshot, so no instance seen before (`knownInstances()`), and the chain
            // starts at its genesis (`lastEvent()`): neither needs asking.
            var streamed = 0
            var request = request
            var diffing: Future<ChangeSet>?
            try connection.copyInBinary(ProfileColumns.copyStatement, columns: ProfileColumns.copyColumns.count) { writer in
                let snapshot = try read { records, digests in
                    // By index: iterating the records would copy each one.
                    for (record, digest) in zip(records.indices, digests.indices) {
                        try ProfileColumns.encodeFirst(
                            records[record], digests: digests[digest], validFrom: request.capturedAt, snapshotID: snapshotID,
                            into: &writer)
                    }
                    streamed += records.count
                    FaultPoint.whileVersionsStream.pass()
                }
                request.snapshot = snapshot
                // Diffed on a thread of its own from here, while the server takes the last
                // versions and builds their indexes; the events are chained as they are copied.
                diffing = Future { [request] in
                    var changes = Differ.diff(
                        snapshot, open: .none, openProfiles: [:], lastVersions: [:],
                        scope: request.effectiveScope, scopeIsImplied: request.scope == nil,
                        policy: request.policy, knownInstances: [], observed: [], capturedAt: request.capturedAt)
                    changes.warnings = request.sourceWarnings + changes.warnings
                    return changes
                }
            }
            FaultPoint.afterVersionsCopied.pass()
            guard let diffing else { preconditionFailure("the COPY's body reads the snapshot or throws") }
            let snapshot = request.snapshot
            let scope = request.effectiveScope
            try bulk.restoreVersionIndexes()
            let changes = diffing.value
            FaultPoint.afterDiff.pass()
            // Every record became a first version, written above as the diff has it.
            guard changes.newVersions.count == streamed, changes.newVersions.allSatisfy({ $0.version == 1 }),
                  changes.closedVersions.isEmpty
            else {
                throw StoreError.internalInvariant("a first load streamed \(streamed) versions but the diff has \(changes.newVersions.count)")
            }
            let id = try insertSnapshot(request, scope: scope, accounts: snapshot.accounts, changes: changes, id: snapshotID)
            FaultPoint.afterSnapshotRow.pass()
            let events = try EventColumns.chainAndCopy(
                changes.events, snapshotID: id, observedAt: request.capturedAt, after: 0, lastHash: EventChain.genesis, into: connection)
            FaultPoint.afterEventsCopied.pass()
            try finishWrite(events, of: changes, snapshotID: id, open: .none, rules: request.rules, bulk: bulk)
            FaultPoint.beforeCommit.pass()
            return (snapshot, .ingested(snapshotID: id, changes: changes))
        }
        guard let loaded else { return nil }
        FaultPoint.afterCommit.pass()
        analyzeAfterBulkLoad()
        return loaded
    }

    /// `ANALYZE` of the two tables a bulk load filled, after its commit, for the columns the
    /// ingest and report queries select and join on: they are planned for the rows there
    /// now, not for empty tables (analysing every column, arrays and JSON among them, costs
    /// more than the plans gain; autovacuum analyses the rest later). Not `VACUUM`: its
    /// work (hint bits, the visibility map) is autovacuum's, which PostgreSQL starts by
    /// inserted rows; doing it here makes the first ingest wait longer than it saves the
    /// next night. The data is committed already: a failure is a warning.
    ///
    /// With a statistics target of 10, not the default 100: the sample (300 rows per unit
    /// of target) is what costs, and the columns these queries plan on (the open versions'
    /// `NULL`s, keys that are nearly unique, one snapshot's ids and instant) need no finer
    /// histogram; without any `ANALYZE` the next nights are planned for empty tables.
    /// Autovacuum's later `ANALYZE` replaces these statistics with the default target's.
    func analyzeAfterBulkLoad() {
        do {
            try connection.withTransaction { connection in
                try connection.execute("SET LOCAL default_statistics_target = 10")
                try connection.execute("""
                    ANALYZE connect_audit.profile_versions (profile_key, version, valid_to, snapshot_id, scope_instance, security_profile_name),
                            connect_audit.change_events (snapshot_id, observed_at, profile_key, severity)
                    """)
            }
        } catch {
            connection.logger.warning("ANALYZE after a bulk load failed (the ingest is committed): \(error)")
        }
    }
}

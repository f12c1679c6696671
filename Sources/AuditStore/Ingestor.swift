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

    private let connection: PostgresConnection

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

    /// A first load: into an empty history, as a `BulkLoad`, the versions sent to the
    /// server while the files are still being read (for an empty history every record is
    /// a first version, known as soon as it is decoded), the versions' indexes built while
    /// the client diffs, the events chained as they are copied. A first ingest of 100,000
    /// profiles read for ~1.7 s and then waited ~1.4 s for the versions' `COPY`.
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
            var diffing: Beside<ChangeSet>?
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
                diffing = Beside { [request] in
                    Differ.diff(
                        snapshot, open: .none, openProfiles: [:], lastVersions: [:],
                        scope: request.effectiveScope, scopeIsImplied: request.scope == nil,
                        policy: request.policy, knownInstances: [], observed: [], capturedAt: request.capturedAt)
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
    /// now, not for empty tables (all columns, arrays and JSON among them, took 1.4 s for
    /// 100,000 versions; autovacuum analyses the rest later). Not `VACUUM`: its
    /// work (hint bits, the visibility map) is autovacuum's, which PostgreSQL starts by
    /// inserted rows, and doing it here made a first ingest of 100,000 profiles wait about
    /// a second longer (0.8 to 1.3 s) to save the next night about 0.14 s. At 1,000,000
    /// profiles a nightly 1% (10,000 versions) used to pass the old absolute threshold and
    /// vacuum a gigabyte every night (6.6 s of a 16 s ingest). The data is committed
    /// already: a failure is a warning.
    ///
    /// With a statistics target of 10, not the default 100: the sample (300 rows per unit
    /// of target) is what costs, 0.3-0.6 s of a first ingest of 100,000 profiles against
    /// 0.06 s, and the columns these queries plan on (the open versions' `NULL`s, keys
    /// that are nearly unique, one snapshot's ids and instant) need no finer histogram.
    /// Without any `ANALYZE` the next three nights took 1.1-1.3x the `\copy` instead of
    /// 0.6-0.75x (`scripts/bench-ingest 100000 4`). Autovacuum's later `ANALYZE` replaces
    /// these statistics with the default target's.
    private func analyzeAfterBulkLoad() {
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

    /// The outcome, and whether the versions were written by a `BulkLoad`.
    private func ingestInTransaction(_ request: IngestRequest, state: OpenState?) throws -> (IngestOutcome, bulkLoaded: Bool) {
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
                WHERE s.scope_kind = 'all' OR $1 = 'all'
                    OR (s.scope_kind = 'instance' AND $1 = 'instance' AND s.scope_ids && $2::text[])
                    OR (s.scope_kind = 'account' AND $1 = 'account' AND s.scope_ids && $2::text[])
                    OR (s.scope_kind = 'account' AND $1 = 'instance' AND s.scope_ids && $3::text[])
                    OR (s.scope_kind = 'instance' AND $1 = 'account' AND s.accounts && $2::text[])
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
            let changes = Differ.diff(
                snapshot, open: open, openProfiles: openProfiles, lastVersions: lastVersions,
                scope: scope, scopeIsImplied: request.scope == nil, policy: request.policy,
                knownInstances: try knownInstances(), observed: try observedFields(), capturedAt: request.capturedAt)
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

    private func newestSnapshotID() throws -> Int64 {
        try connection.query("SELECT coalesce(max(id), 0) FROM connect_audit.snapshots")[0].decode(Int64.self, at: 0)
    }

    /// Every open version's summary, read with a binary `COPY` (one pass, flat memory;
    /// no timestamps to format or parse), indexed as the rows arrive.
    private func loadOpenVersions() throws -> OpenVersions {
        // Room for the open versions, from the planner's estimate (a count would scan them once more).
        let estimate = try connection.query("""
            SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'connect_audit.profile_versions_one_open'::regclass
            """)[0]
        var open = OpenVersions.Builder(capacity: Int(try estimate.decode(Int64.self, at: 0) * 11 / 10))
        var instances = RepeatedText()
        var accounts = RepeatedText()
        try connection.copyOutBinary("""
            COPY (SELECT profile_key, version, last_modified_time, scope_instance, account_id, source_sha256, row_sha256,
                         CASE WHEN row_sha256 IS NULL THEN content_hash END
                  FROM connect_audit.profile_versions WHERE valid_to IS NULL) TO STDOUT (FORMAT binary)
            """) { row in
            guard let key = try row.string(at: 0), let version = try row.int32(at: 1), let instance = instances.text(try row.bytes(at: 3))
            else {
                throw StoreError.tampered("an open version has NULL in a NOT NULL column")
            }
            // The stored row digest; for versions written before it existed, the content hash to compute it from.
            let rowDigest = try row.bytes(at: 6).flatMap(SHA256Digest.init(bytes:))
            let hash = try row.bytes(at: 7).flatMap(SHA256Digest.init(hex:))
            guard rowDigest != nil || hash != nil else {
                throw StoreError.tampered("open version \(version) of \(key) has neither row_sha256 nor a valid content_hash")
            }
            open.add(OpenVersion(
                key: key, version: Int(version), lastModifiedTime: try row.timestamp(at: 2),
                contentHash: hash, rowDigest: rowDigest, scopeInstance: instance, accountID: accounts.text(try row.bytes(at: 4)),
                sourceFingerprint: try row.bytes(at: 5).flatMap(SourceFingerprint.init(bytes:))))
        }
        return OpenVersions(open)
    }

    /// Text that repeats from row to row (the open versions of one instance arrive together)
    /// becomes one shared string, not one allocation per row.
    private struct RepeatedText {
        private var bytes: [UInt8] = []
        private var last: String?

        mutating func text(_ field: UnsafeBufferPointer<UInt8>?) -> String? {
            guard let field else { return nil }
            if let last, field.elementsEqual(bytes) { return last }
            bytes = Array(field)
            let text = String(decoding: field, as: UTF8.self)
            last = text
            return text
        }
    }

    /// `snapshot` read against `open` instead: each recognised record whose version is
    /// still open points there; one whose version was replaced since (another ingest
    /// committed after the files were read) becomes a decoded record again — the stored
    /// version it is byte for byte, read in full.
    private func readAgainst(_ open: OpenVersions, _ snapshot: Snapshot) throws -> Snapshot {
        var recognized: [RecognizedRecord] = []
        var moved: [(record: RecognizedRecord, version: OpenVersion)] = []
        for record in snapshot.recognized {
            let version = snapshot.readAgainst.all[record.index]
            if let index = open.index(of: version.key), open.all[index].version == version.version {
                recognized.append(RecognizedRecord(index: index, file: record.file, line: record.line))
            } else {
                moved.append((record, version))
            }
        }
        var records = snapshot.records
        if !moved.isEmpty {
            var stored: [String: SecurityProfile] = [:]
            for row in try connection.query("""
                SELECT \(Self.recordColumns) FROM connect_audit.profile_versions
                WHERE (profile_key, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))
                """, [moved.map(\.version.key), moved.map { String($0.version.version) }]) {
                let profile = try ProfileColumns.decode(row)
                stored[profile.key] = profile
            }
            for (record, version) in moved {
                guard let profile = stored[version.key] else {
                    throw StoreError.concurrentChange("version \(version.version) of \(version.key) is gone")
                }
                records.append(ParsedRecord(
                    profile: profile, file: record.file, line: record.line, sourceFingerprint: version.sourceFingerprint))
            }
        }
        return Snapshot(records: records, recognized: recognized, readAgainst: open)
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

    /// The tracked fields earlier snapshots carried, by instance (`observed_fields`).
    private func observedFields() throws -> Set<FieldObservation> {
        var observed = Set<FieldObservation>()
        for row in try connection.query("SELECT scope_instance, field FROM connect_audit.observed_fields") {
            guard let field = ProfileField(rawValue: try row.decode(String.self, at: 1)) else { continue }
            observed.insert(FieldObservation(instance: try row.decode(String.self, at: 0), field: field))
        }
        return observed
    }

    /// Records the fields this snapshot carried first for their instances.
    private func writeObservations(_ observations: Set<FieldObservation>, snapshotID: Int64) throws {
        guard !observations.isEmpty else { return }
        let sorted = observations.sorted { ($0.instance, $0.field.rawValue) < ($1.instance, $1.field.rawValue) }
        try connection.execute("""
            INSERT INTO connect_audit.observed_fields (scope_instance, field, snapshot_id)
            SELECT instance, field, $3 FROM unnest($1::text[], $2::text[]) AS o (instance, field)
            ON CONFLICT DO NOTHING
            """, [sorted.map(\.instance), sorted.map(\.field.rawValue), snapshotID])
    }

    /// Every instance an earlier snapshot held (their new profiles are `created`; any other
    /// instance's are `discovered`).
    private func knownInstances() throws -> Set<String> {
        Set(try connection.query("SELECT DISTINCT unnest(instances) FROM connect_audit.snapshots").map { try $0.decode(String.self, at: 0) })
    }

    /// Inserts the snapshot row, under `id` when one was taken from the sequence already
    /// (only then the statement names the id: the ingest role may insert, not take ids).
    private func insertSnapshot(
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

    /// Closes replaced versions, then writes new versions, events and warnings with `COPY`;
    /// whether it did so as a `BulkLoad`.
    private func write(
        _ changes: ChangeSet, snapshotID: Int64, capturedAt: Instant, open: OpenVersions, rules: AlertRules?, bulk: BulkLoad?
    ) throws -> Bool {
        let validFrom = capturedAt
        // The labels of the versions closed here, for their events (`EventColumns.Label`).
        var ended: [String: EventColumns.Label] = [:]
        if !changes.closedVersions.isEmpty {
            let closed = try connection.query("""
                UPDATE connect_audit.profile_versions SET valid_to = $1
                WHERE valid_to IS NULL AND profile_key = ANY($2::text[])
                RETURNING profile_key, security_profile_name, account_id
                """, [validFrom, Array(changes.closedVersions.keys)])
            guard closed.count == changes.closedVersions.count else {
                throw StoreError.concurrentChange("expected to close \(changes.closedVersions.count) versions, closed \(closed.count)")
            }
            ended.reserveCapacity(closed.count)
            for row in closed {
                ended[try row.decode(String.self, at: 0)] = EventColumns.Label(
                    name: try row.decodeIfPresent(String.self, at: 1), accountID: try row.decodeIfPresent(String.self, at: 2))
            }
        }
        FaultPoint.afterVersionsClosed.pass()
        // The events are chained on a thread of their own while the versions are copied
        // (the server's side of that `COPY` leaves the client waiting): hashing 100,000
        // events took 0.3 s of a first ingest, in series.
        var chaining: Beside<[ChainedEvent]>?
        if !changes.events.isEmpty {
            let (after, lastHash) = try lastEvent()
            let drafts = changes.events
            chaining = Beside {
                EventChain.chain(drafts, snapshotID: snapshotID, observedAt: capturedAt, after: after, lastHash: lastHash)
            }
        }
        if !changes.newVersions.isEmpty {
            try connection.copyInBinary(ProfileColumns.copyStatement, columns: ProfileColumns.copyColumns.count) { writer in
                for version in changes.newVersions {
                    try ProfileColumns.encode(version, validFrom: validFrom, snapshotID: snapshotID, into: &writer)
                }
            }
        }
        FaultPoint.afterVersionsCopied.pass()
        let events = chaining?.value ?? []
        if !events.isEmpty {
            var written: [String: Int] = [:]
            written.reserveCapacity(changes.newVersions.count)
            for index in changes.newVersions.indices { written[changes.newVersions[index].profile.key] = index }
            try EventColumns.copy(events, labels: { event in
                // Discoveries are counted by reports, never itemised: unlabelled, as a first load's.
                guard event.kind != .discovered else { return EventColumns.Label() }
                let wrote = event.toVersion == nil ? nil : written[event.key].map { changes.newVersions[$0].profile }
                let ended = ended[event.key]
                return EventColumns.Label(
                    name: wrote?.securityProfileName ?? ended?.name, accountID: wrote?.accountID ?? ended?.accountID)
            }, into: connection)
            FaultPoint.afterEventsCopied.pass()
        }
        try finishWrite(events, of: changes, snapshotID: snapshotID, open: open, rules: rules, bulk: bulk)
        return bulk != nil
    }

    /// The id and hash of the last event, or 0 and the genesis hash: where the chain goes on.
    private func lastEvent() throws -> (after: Int64, lastHash: String) {
        let last = try connection.query("SELECT id, hash FROM connect_audit.change_events ORDER BY id DESC LIMIT 1").first
        return (try last?.decode(Int64.self, at: 0) ?? 0, try last?.decode(String.self, at: 1) ?? EventChain.genesis)
    }

    /// After the events are copied: restores what `bulk` dropped, enqueues the alerts
    /// `rules` match, notifies watchers (on commit) and writes the warnings.
    private func finishWrite(
        _ events: [ChainedEvent], of changes: ChangeSet, snapshotID: Int64, open: OpenVersions, rules: AlertRules?, bulk: BulkLoad?
    ) throws {
        try bulk?.finish(snapshotID: snapshotID)
        try writeDiscoveries(changes.discoveries, of: events, snapshotID: snapshotID)
        try writeObservations(changes.firstObservations, snapshotID: snapshotID)
        if let first = events.first, let last = events.last {
            if let rules { try AlertOutbox(connection: connection).enqueue(events, changes: changes, open: open, rules: rules) }
            // Delivered when the transaction commits, so watchers see only committed events.
            try connection.notify(Self.eventsChannel, payload: "\(snapshotID) \(first.id) \(last.id)")
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

extension Ingestor {
    /// Writes the snapshot's discoveries by instance and account (migration 0016), each with
    /// the id of its first event, found among `events` (in key order) by its key.
    fileprivate func writeDiscoveries(_ discoveries: Discoveries, of events: [ChainedEvent], snapshotID: Int64) throws {
        for group in discoveries.groups {
            var (low, high) = (0, events.count)
            while low < high {
                let middle = (low + high) / 2
                if events[middle].key < group.firstKey { low = middle + 1 } else { high = middle }
            }
            guard low < events.count, events[low].key == group.firstKey, events[low].kind == .discovered else {
                throw StoreError.internalInvariant("no discovered event of \(group.firstKey) among the snapshot's events")
            }
            // A row each: a snapshot discovers a few instances.
            try connection.execute("""
                INSERT INTO connect_audit.discoveries (snapshot_id, instance, account_id, observed_at, profiles, first_event)
                VALUES ($1, $2, $3, $4, $5, $6)
                """, [snapshotID, group.instance, group.accountID, events[low].observedAt, group.profiles, events[low].id])
        }
    }
}

/// A value computed on a thread of its own while the caller goes on; `value` waits for it.
final class Beside<Value: Sendable>: @unchecked Sendable {
    /// Audited: written once by the computing thread before `done` is signalled, read only
    /// after waiting for `done`.
    private var result: Value?
    private let done = DispatchSemaphore(value: 0)

    init(_ compute: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async {
            self.result = compute()
            self.done.signal()
        }
    }

    /// The value, once computed.
    var value: Value {
        done.wait()
        done.signal()  // a second read returns at once
        return result!
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient

/// What to ingest from a user export.
package struct UserIngestRequest: Sendable {
    package var users: [(user: ConnectUser, rowDigest: SHA256Digest)]
    /// The open versions the export was read against (`UserIngestor.openUsers()`), and the
    /// newest user snapshot then: the ingest checks under its lock that none came since.
    package var open: OpenUsers = .none
    package var openAsOf: Int64?
    /// Positions in `open` of the users whose rows were those versions' rows, not decoded.
    package var recognized: [Int] = []
    /// Where it came from (file names), for the `user_snapshots` row.
    package var source: String
    package var capturedAt: Instant
    /// `--scope`, or `nil` for the instances the export holds.
    package var scope: SnapshotScope?
    package var maxDeleteFraction: Double
    package var dryRun: Bool
    /// Alert rules: user events whose change of access a rule matches get `alert_outbox`
    /// rows in the same transaction, weighed by `catalog`.
    package var rules: AlertRules?
    package var catalog = DriftPolicy.standard.catalog

    package init(
        users: [(user: ConnectUser, rowDigest: SHA256Digest)], source: String, capturedAt: Instant, scope: SnapshotScope?,
        maxDeleteFraction: Double, dryRun: Bool
    ) {
        self.users = users
        self.source = source
        self.capturedAt = capturedAt
        self.scope = scope
        self.maxDeleteFraction = maxDeleteFraction
        self.dryRun = dryRun
    }

    /// The scope the export speaks for: `scope`, else the instances it holds (a recognised
    /// user's is its open version's).
    package var effectiveScope: SnapshotScope {
        if let scope { return scope }
        var instances = Set(users.map(\.user.instance))
        var held = [Bool](repeating: false, count: open.places.count)
        for position in recognized { held[Int(open.placeOf[position])] = true }
        for (place, isHeld) in zip(open.places, held) where isHeld { instances.insert(place.instance) }
        return .instances(instances)
    }

    /// SHA-256 over the digests of the export's rows, sorted, with the scope: the same file
    /// (in any order) under the same scope is the same snapshot. Another file with the
    /// same users is diffed and changes nothing.
    func contentDigest(scope: SnapshotScope) -> String {
        var rows = users.map(\.rowDigest)
        for position in recognized { if let digest = open.all[position].rowDigest { rows.append(digest) } }
        rows.sort()
        var bytes: [UInt8] = Array("connect-audit/user-snapshot/v2".utf8)
        bytes.appendChunk(scope.description)
        bytes.reserveCapacity(bytes.count + rows.count * 32)
        for digest in rows { digest.withBytes { bytes.append(contentsOf: $0) } }
        return SHA256.hex(of: bytes)
    }
}

/// What a user ingest did.
package enum UserIngestOutcome: Sendable {
    /// Written as user snapshot `snapshotID`.
    case ingested(snapshotID: Int64, changes: UserChangeSet)
    /// The same content and scope as user snapshot `snapshotID`: nothing written.
    case unchanged(snapshotID: Int64)
    /// A dry run: what would be written.
    case dryRun(changes: UserChangeSet)
}

/// Writes user snapshots: one transaction under the ingest lock, as `Ingestor` writes
/// profile snapshots (stale and repeated snapshots refused, mass deletions refused, every
/// version and event or none).
package struct UserIngestor {
    private let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Every open user version, read before the export so its rows can be recognised, and
    /// the newest user snapshot then.
    package func openUsers() throws -> (open: OpenUsers, asOf: Int64?) {
        try connection.withTransaction(isolation: .repeatableRead) { connection in
            let newest = try connection.query("SELECT max(id) FROM connect_audit.user_snapshots")[0].decodeIfPresent(Int64.self, at: 0)
            return (try openUsers(connection), newest)
        }
    }

    package func ingest(_ request: UserIngestRequest) throws -> UserIngestOutcome {
        try connection.withTransaction { connection -> UserIngestOutcome in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [Ingestor.lockKey])
            // The open versions the export was read against are still the open versions: no
            // user snapshot was written since they were read.
            let newestNow = try connection.query("SELECT max(id) FROM connect_audit.user_snapshots")[0].decodeIfPresent(Int64.self, at: 0)
            guard newestNow == request.openAsOf else {
                throw StoreError.concurrentChange("user snapshot #\(newestNow ?? 0) was written while the export was read; run the ingest again")
            }
            let open = request.open
            let scope = request.effectiveScope
            let digest = request.contentDigest(scope: scope)
            if let newest = try connection.query("""
                SELECT id, captured_at, content_sha256 FROM connect_audit.user_snapshots ORDER BY captured_at DESC, id DESC LIMIT 1
                """).first {
                let (id, capturedAt) = (try newest.decode(Int64.self, at: 0), try newest.decode(Instant.self, at: 1))
                if try newest.decode(String.self, at: 2) == digest { return .unchanged(snapshotID: id) }
                // History never goes backwards: a user export older than the last is refused.
                if capturedAt >= request.capturedAt {
                    throw StoreError.staleSnapshot(capturedAt: request.capturedAt, newerID: id, newerCapturedAt: capturedAt)
                }
            }
            let unseen = request.users.map(\.user.key).filter { open.position(of: $0) == nil }
            var lastVersions: [String: Int] = [:]
            if !unseen.isEmpty {
                for row in try connection.query("""
                    SELECT user_key, max(version) FROM connect_audit.user_versions WHERE user_key = ANY($1) GROUP BY user_key
                    """, [unseen]) {
                    lastVersions[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
                }
            }
            let knownInstances = try Self.knownInstances(
                of: request.users.filter { open.position(of: $0.user.key) == nil }.map(\.user.instance), open: open, connection)
            let priorRows = try Self.wholeRows(
                UserDiffer.priorRowsNeeded(request.users, recognized: request.recognized, open: open, scope: scope), connection)
            let changes = UserDiffer.diff(
                request.users, recognized: request.recognized, open: open, priorRows: priorRows, lastVersions: lastVersions,
                knownInstances: knownInstances, scope: scope)
            if changes.deletionFraction > request.maxDeleteFraction {
                throw StoreError.tooManyDeletions(
                    deleted: changes.count(.deleted), openInScope: changes.openInScope, limit: request.maxDeleteFraction, of: "users")
            }
            if request.dryRun { return .dryRun(changes: changes) }
            let snapshotID = try connection.query("""
                INSERT INTO connect_audit.user_snapshots (captured_at, source, scope_kind, scope_ids, content_sha256, user_count, event_count)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
                """, [request.capturedAt, request.source, scope.kind, scope.ids, digest, request.users.count + request.recognized.count,
                      changes.events.count])[0]
                .decode(Int64.self, at: 0)
            if !changes.closedVersions.isEmpty {
                let closed = changes.closedVersions.sorted { $0.key < $1.key }
                let updated = try connection.execute("""
                    UPDATE connect_audit.user_versions v SET valid_to = $1
                    FROM unnest($2::text[], $3::int[]) AS c (user_key, version)
                    WHERE v.user_key = c.user_key AND v.version = c.version AND v.valid_to IS NULL
                    """, [request.capturedAt, closed.map(\.key), "{" + closed.map { String($0.value) }.joined(separator: ",") + "}"])
                guard updated.affectedRows == closed.count else {
                    throw StoreError.concurrentChange("closed \(updated.affectedRows) of \(closed.count) open user versions")
                }
            }
            try writeVersions(changes, snapshotID: snapshotID, validFrom: request.capturedAt, connection)
            let events = try writeEvents(changes.events, snapshotID: snapshotID, observedAt: request.capturedAt, connection)
            if let rules = request.rules {
                let after = Dictionary(changes.newVersions.map { ($0.user.key, $0.user) }) { first, _ in first }
                try AlertOutbox(connection: connection).enqueue(events, before: priorRows, after: after, rules: rules, catalog: request.catalog)
            }
            return .ingested(snapshotID: snapshotID, changes: changes)
        }
    }

    /// Which of `instances` (those of the snapshot's new users) an earlier user snapshot held:
    /// an open user's instance is; for any other, the events say (a query only for an
    /// instance new or emptied, not a scan of every event each night).
    private static func knownInstances(of instances: [String], open: OpenUsers, _ connection: PostgresConnection) throws -> Set<String> {
        let openInstances = Set(open.places.map(\.instance))
        let asked = Set(instances).subtracting(openInstances)
        guard !asked.isEmpty else { return openInstances }
        let known = try connection.query("""
            SELECT i FROM unnest($1::text[]) AS i WHERE EXISTS (SELECT 1 FROM connect_audit.user_events e WHERE e.instance = i)
            """, [asked.sorted()]).map { try $0.decode(String.self, at: 0) }
        return openInstances.union(known)
    }

    /// Every open user version, as much as recognising and scoping need (one binary `COPY`).
    private func openUsers(_ connection: PostgresConnection) throws -> OpenUsers {
        var open: [OpenUser] = []
        _ = try connection.copyOutBinary("""
            COPY (SELECT user_key, version, content_hash, row_sha256, instance, account_id
                  FROM connect_audit.user_versions WHERE valid_to IS NULL) TO STDOUT (FORMAT binary)
            """) { row in
            guard let key = try row.string(at: 0), let version = try row.int32(at: 1), let hash = try row.string(at: 2),
                  let instance = try row.string(at: 4)
            else { throw StoreError.tampered("an open user version has no key, version, content hash or instance") }
            open.append(OpenUser(
                key: key, version: Int(version), contentHash: hash,
                rowDigest: try row.bytes(at: 3).flatMap(SHA256Digest.init(bytes:)), instance: instance, accountID: try row.string(at: 5)))
        }
        return OpenUsers(open)
    }

    /// The open versions of `keys`, whole, by key.
    private static func wholeRows(_ keys: [String], _ connection: PostgresConnection) throws -> [String: ConnectUser] {
        guard !keys.isEmpty else { return [:] }
        var rows: [String: ConnectUser] = [:]
        for row in try connection.query("""
            SELECT user_key, username, id, arn, account_id, security_profile_ids, routing_profile_id, hierarchy_group_id, last_modified_time
            FROM connect_audit.user_versions WHERE user_key = ANY ($1) AND valid_to IS NULL
            """, [keys]) {
            let key = try row.decode(String.self, at: 0)
            rows[key] = ConnectUser(
                storedKey: key, username: try row.decodeIfPresent(String.self, at: 1), id: try row.decodeIfPresent(String.self, at: 2),
                arn: try row.decodeIfPresent(String.self, at: 3), accountID: try row.decodeIfPresent(String.self, at: 4),
                securityProfileIDs: try row.decode([String].self, at: 5), routingProfileID: try row.decodeIfPresent(String.self, at: 6),
                hierarchyGroupID: try row.decodeIfPresent(String.self, at: 7), lastModifiedTime: try row.decodeIfPresent(Instant.self, at: 8))
        }
        return rows
    }

    private static let versionColumns = [
        "user_key", "version", "valid_from", "snapshot_id", "instance", "account_id", "username", "id", "arn",
        "security_profile_ids", "routing_profile_id", "hierarchy_group_id", "last_modified_time", "content_hash", "row_sha256",
    ]

    private func writeVersions(_ changes: UserChangeSet, snapshotID: Int64, validFrom: Instant, _ connection: PostgresConnection) throws {
        guard !changes.newVersions.isEmpty else { return }
        _ = try connection.copyInBinary(
            "COPY connect_audit.user_versions (\(Self.versionColumns.joined(separator: ", "))) FROM STDIN (FORMAT binary)",
            columns: Self.versionColumns.count
        ) { writer in
            // Written grouped by the profile each user holds first: a profile's holders then
            // share heap pages, and a lookup of them (access_as_of, holder counts) reads a
            // few pages, not one per holder.
            let grouped = changes.newVersions.sorted {
                ($0.user.instance, $0.user.securityProfileIDs.first ?? "", $0.user.key)
                    < ($1.user.instance, $1.user.securityProfileIDs.first ?? "", $1.user.key)
            }
            for (user, version, digest) in grouped {
                writer.text(user.key)
                writer.int32(Int32(version))
                writer.timestamp(validFrom)
                writer.int64(snapshotID)
                writer.text(user.instance)
                writer.text(user.accountID)
                writer.text(user.username)
                writer.text(user.id)
                writer.text(user.arn)
                writer.textArray(user.securityProfileIDs)
                writer.text(user.routingProfileID)
                writer.text(user.hierarchyGroupID)
                writer.timestamp(user.lastModifiedTime)
                writer.text(user.contentHash)
                digest.withBytes { writer.bytea($0) }
                try writer.endRow()
            }
        }
    }

    static let eventColumns = [
        "id", "snapshot_id", "user_key", "kind", "observed_at", "from_version", "to_version", "username", "instance",
        "profiles_added", "profiles_removed", "changed_fields", "prev_hash", "hash",
    ]

    /// Writes the events, chained after the last: the events as written.
    private func writeEvents(
        _ drafts: [UserEventDraft], snapshotID: Int64, observedAt: Instant, _ connection: PostgresConnection
    ) throws -> [ChainedUserEvent] {
        guard !drafts.isEmpty else { return [] }
        let head = try connection.query("SELECT id, hash FROM connect_audit.user_events ORDER BY id DESC LIMIT 1").first
        let events = UserEventChain.chain(
            drafts, snapshotID: snapshotID, observedAt: observedAt, after: try head?.decode(Int64.self, at: 0) ?? 0,
            lastHash: try head?.decode(String.self, at: 1) ?? EventChain.genesis)
        _ = try connection.copyInBinary(
            "COPY connect_audit.user_events (\(Self.eventColumns.joined(separator: ", "))) FROM STDIN (FORMAT binary)",
            columns: Self.eventColumns.count
        ) { writer in
            for event in events {
                let draft = event.draft
                writer.int64(event.id)
                writer.int64(event.snapshotID)
                writer.text(draft.key)
                writer.text(draft.kind.rawValue)
                writer.timestamp(event.observedAt)
                writer.int32(draft.fromVersion.map(Int32.init))
                writer.int32(draft.toVersion.map(Int32.init))
                writer.text(draft.username)
                writer.text(draft.instance)
                writer.textArray(draft.profilesAdded)
                writer.textArray(draft.profilesRemoved)
                writer.textArray(draft.changedFields)
                writer.text(event.previousHash)
                writer.text(event.hash)
                try writer.endRow()
            }
        }
        return events
    }

    /// Every user event in id order, as stored (for `verify`).
    static func storedEvents(_ connection: PostgresConnection) throws -> [ChainedUserEvent] {
        var events: [ChainedUserEvent] = []
        _ = try connection.copyOutBinary("""
            COPY (SELECT \(eventColumns.joined(separator: ", ")) FROM connect_audit.user_events ORDER BY id) TO STDOUT (FORMAT binary)
            """) { row in
            guard let id = try row.int64(at: 0), let snapshotID = try row.int64(at: 1), let key = try row.string(at: 2),
                  let kindText = try row.string(at: 3), let observedAt = try row.timestamp(at: 4),
                  let instance = try row.string(at: 8), let previous = try row.string(at: 12), let hash = try row.string(at: 13)
            else { throw StoreError.tampered("a user event has a NULL where the schema allows none") }
            guard let kind = UserChangeKind(rawValue: kindText) else {
                throw StoreError.schemaNewer("user_events has an unknown kind \(kindText)")
            }
            let draft = UserEventDraft(
                key: key, kind: kind, fromVersion: try row.int32(at: 5).map(Int.init), toVersion: try row.int32(at: 6).map(Int.init),
                username: try row.string(at: 7), instance: instance, profilesAdded: try row.textArray(at: 9) ?? [],
                profilesRemoved: try row.textArray(at: 10) ?? [], changedFields: try row.textArray(at: 11) ?? [])
            events.append(ChainedUserEvent(id: id, snapshotID: snapshotID, observedAt: observedAt, draft: draft, previousHash: previous, hash: hash))
        }
        return events
    }
}

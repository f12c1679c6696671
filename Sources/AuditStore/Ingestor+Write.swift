import AuditCore
import AuditModel
import AuditTime
import Foundation
import Logging
import Platform
import PostgresClient
import SnapshotReading

/// How an ingest writes what its diff decided: versions, events, warnings, discoveries.
extension Ingestor {
    /// Closes replaced versions, then writes new versions, events and warnings with `COPY`;
    /// whether it did so as a `BulkLoad`.
    func write(
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
        // (the server's side of that `COPY` leaves the client waiting).
        var chaining: Future<[ChainedEvent]>?
        if !changes.events.isEmpty {
            let (after, lastHash) = try lastEvent()
            let drafts = changes.events
            chaining = Future {
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
    func lastEvent() throws -> (after: Int64, lastHash: String) {
        let last = try connection.query("SELECT id, hash FROM connect_audit.change_events ORDER BY id DESC LIMIT 1").first
        return (try last?.decode(Int64.self, at: 0) ?? 0, try last?.decode(String.self, at: 1) ?? EventChain.genesis)
    }

    /// After the events are copied: restores what `bulk` dropped, enqueues the alerts
    /// `rules` match, notifies watchers (on commit) and writes the warnings.
    func finishWrite(
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

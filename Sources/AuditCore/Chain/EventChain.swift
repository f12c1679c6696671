import AuditModel
import AuditTime
import ByteKernels

/// The SHA-256 chain over change events, in id order: each hash covers the event and the
/// hash before it, so editing, removing or reordering any event breaks every later link.
package enum EventChain {
    /// The `prev_hash` of the first event.
    package static let genesis = String(repeating: "0", count: 64)

    /// The hash of `event` chained after `previousHash` (its own `hash` is ignored).
    package static func hash(of event: ChainedEvent, after previousHash: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512 + event.diffJSON.utf8.count)
        bytes.append(contentsOf: "connect-audit/event/v1".utf8)
        bytes.appendChunk(previousHash)
        bytes.appendChunk(String(event.id))
        bytes.appendChunk(String(event.snapshotID))
        bytes.appendChunk(event.key)
        bytes.appendChunk(event.kind.rawValue)
        bytes.appendChunk(String(event.observedAt.microsecondsSinceEpoch))
        bytes.appendChunk(event.lastModifiedTime.map { String($0.microsecondsSinceEpoch) } ?? "-")
        bytes.appendChunk(event.fromVersion.map(String.init) ?? "-")
        bytes.appendChunk(event.toVersion.map(String.init) ?? "-")
        bytes.appendLength(event.changedFields.count)
        for field in event.changedFields { bytes.appendChunk(field) }
        bytes.appendChunk(event.diffJSON)
        bytes.appendChunk(event.drift.rawValue)
        bytes.appendChunk(event.severity.rawValue)
        bytes.appendChunk(event.timestampChanged ? "t" : "f")
        return SHA256.hex(of: bytes)
    }

    /// Numbers and chains drafts after the last stored event (`lastID`, `lastHash`).
    package static func chain(
        _ drafts: [EventDraft], snapshotID: Int64, observedAt: Instant, after lastID: Int64, lastHash: String
    ) -> [ChainedEvent] {
        var events: [ChainedEvent] = []
        events.reserveCapacity(drafts.count)
        chain(drafts, snapshotID: snapshotID, observedAt: observedAt, after: lastID, lastHash: lastHash) { events.append($0) }
        return events
    }

    /// Chains `drafts` as `chain` does, handing each event to `each` as soon as it is
    /// chained (a first load writes each into the `COPY` while the next is hashed).
    package static func chain(
        _ drafts: [EventDraft], snapshotID: Int64, observedAt: Instant, after lastID: Int64, lastHash: String,
        each: (ChainedEvent) throws -> Void
    ) rethrows {
        var previous = lastHash
        for (offset, draft) in drafts.enumerated() {
            var event = ChainedEvent(
                id: lastID + 1 + Int64(offset), snapshotID: snapshotID, key: draft.key, kind: draft.kind,
                observedAt: observedAt, lastModifiedTime: draft.lastModifiedTime, fromVersion: draft.fromVersion,
                toVersion: draft.toVersion, changedFields: draft.changedFields, diffJSON: draft.diff.json,
                drift: draft.drift, severity: draft.severity, timestampChanged: draft.timestampChanged,
                previousHash: previous, hash: "")
            event.hash = hash(of: event, after: previous)
            previous = event.hash
            try each(event)
        }
    }

    /// The first event whose link is broken, with the reason; `nil` when the chain holds.
    /// `events` must be in id order, starting from the first event ever stored.
    package static func firstBreak<Events: Sequence>(in events: Events) -> (id: Int64, reason: String)? where Events.Element == ChainedEvent {
        var verifier = Verifier()
        for event in events {
            if let reason = verifier.check(event) { return (event.id, reason) }
        }
        return nil
    }

    /// Checks events one at a time, in id order, as they stream from the database.
    package struct Verifier: Sendable {
        private var previous = EventChain.genesis
        /// Events checked so far.
        package private(set) var count = 0
        /// The hash of the last event checked (the chain's head once all are), or the genesis.
        package var head: String { previous }

        package init() {}

        /// Why `event` breaks the chain, or `nil` when its link holds.
        package mutating func check(_ event: ChainedEvent) -> String? {
            count += 1
            if event.previousHash != previous {
                return "prev_hash does not match the hash of the event before it (an event was removed, reordered or inserted)"
            }
            if EventChain.hash(of: event, after: previous) != event.hash {
                return "its hash does not match its content (the event was altered)"
            }
            previous = event.hash
            return nil
        }
    }
}

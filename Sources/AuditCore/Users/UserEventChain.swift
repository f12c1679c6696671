import AuditModel
import AuditTime

/// A user event as stored: numbered, stamped and chained.
package struct ChainedUserEvent: Sendable, Equatable {
    package var id: Int64
    package var snapshotID: Int64
    package var observedAt: Instant
    package var draft: UserEventDraft
    package var previousHash: String
    package var hash: String

    package init(id: Int64, snapshotID: Int64, observedAt: Instant, draft: UserEventDraft, previousHash: String, hash: String) {
        self.id = id
        self.snapshotID = snapshotID
        self.observedAt = observedAt
        self.draft = draft
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// The SHA-256 chain over user events, in id order, as `EventChain` is over profile events:
/// each hash covers the event and the hash before it, so editing, removing or reordering
/// any event breaks every later link. A chain of its own, so neither kind of snapshot waits
/// for the other's head.
package enum UserEventChain {
    /// The hash of `event` chained after `previousHash` (its own `hash` is ignored).
    package static func hash(of event: ChainedUserEvent, after previousHash: String) -> String {
        let draft = event.draft
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: "connect-audit/user-event/v1".utf8)
        bytes.appendChunk(previousHash)
        bytes.appendChunk(String(event.id))
        bytes.appendChunk(String(event.snapshotID))
        bytes.appendChunk(draft.key)
        bytes.appendChunk(draft.kind.rawValue)
        bytes.appendChunk(String(event.observedAt.microsecondsSinceEpoch))
        bytes.appendChunk(draft.fromVersion.map(String.init) ?? "-")
        bytes.appendChunk(draft.toVersion.map(String.init) ?? "-")
        bytes.appendChunk(draft.username ?? "-")
        bytes.appendChunk(draft.instance)
        for list in [draft.profilesAdded, draft.profilesRemoved, draft.changedFields] {
            bytes.appendLength(list.count)
            for element in list { bytes.appendChunk(element) }
        }
        return SHA256.hex(of: bytes)
    }

    /// Numbers and chains drafts after the last stored event (`lastID`, `lastHash`).
    package static func chain(
        _ drafts: [UserEventDraft], snapshotID: Int64, observedAt: Instant, after lastID: Int64, lastHash: String
    ) -> [ChainedUserEvent] {
        var previous = lastHash
        return drafts.enumerated().map { offset, draft in
            var event = ChainedUserEvent(
                id: lastID + 1 + Int64(offset), snapshotID: snapshotID, observedAt: observedAt, draft: draft,
                previousHash: previous, hash: "")
            event.hash = hash(of: event, after: previous)
            previous = event.hash
            return event
        }
    }

    /// The first broken link of `events` (in id order, from the genesis), described; `nil`
    /// when every link holds.
    package static func firstBreak(_ events: [ChainedUserEvent]) -> String? {
        var previous = EventChain.genesis
        for event in events {
            if event.previousHash != previous {
                return "user event #\(event.id) (\(event.draft.kind.rawValue) of \(event.draft.key)): its prev_hash is not the hash of the event before it"
            }
            if hash(of: event, after: previous) != event.hash {
                return "user event #\(event.id) (\(event.draft.kind.rawValue) of \(event.draft.key)): its hash does not cover its content; it was altered"
            }
            previous = event.hash
        }
        return nil
    }
}

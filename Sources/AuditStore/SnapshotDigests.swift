import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient

/// Signed snapshot digests, after CloudTrail's digest files: after each snapshot, a small
/// JSON document (the snapshot's id, capture time, content digest and counts; the event
/// chain's head and length; the previous digest's SHA-256) signed with an Ed25519 key the
/// database never holds, written to a folder meant to be synced to write-once storage.
/// `verify --digests` checks the signatures, the digests' own chain, and the database
/// against them: whoever owns the schema cannot cut the tail, remove a snapshot or rewrite
/// and re-chain the history without the digests saying so.
///
/// A digest file is `snapshot-NNNNNNNNNN.json`: `{"digest": "<canonical JSON text>",
/// "signature": "<base64 Ed25519 over that text's UTF-8>"}` (the text is kept as a string
/// so the signed bytes are exactly the stored ones).
package struct SnapshotDigests {
    private let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// One digest's content.
    package struct Content: Sendable, Equatable {
        package var snapshotID: Int64
        package var capturedAt: String
        package var contentSHA256: String
        package var rowCount: Int
        /// The snapshot's `source` (its files) and how many warnings it had.
        package var source: String
        package var warningCount: Int
        package var counts: [String: Int]
        package var headEventID: Int64?
        package var headHash: String?
        package var eventCount: Int
        package var previousDigestSHA256: String?
        package var generatedAt: String

        /// The canonical JSON text that is signed.
        var text: String {
            CanonicalJSON.text([
                "format": "connect-audit/digest/v1", "snapshot_id": String(snapshotID), "captured_at": capturedAt,
                "content_sha256": contentSHA256, "row_count": String(rowCount), "counts": counts.mapValues(String.init),
                "source": source, "warning_count": String(warningCount),
                "chain_head_event_id": headEventID.map { String($0) as Any } ?? NSNull(), "chain_head_hash": headHash as Any? ?? NSNull(),
                "event_count": String(eventCount), "previous_digest_sha256": previousDigestSHA256 as Any? ?? NSNull(),
                "generated_at": generatedAt,
            ] as [String: Any])
        }
    }

    /// A digest file as read: its text, signature, and snapshot id.
    package struct File: Sendable {
        package var text: String
        package var signature: [UInt8]
        package var content: Content
    }

    static func fileName(_ snapshotID: Int64) -> String { String(format: "snapshot-%010lld.json", snapshotID) }

    /// The digests in `folder`, by snapshot id.
    package static func read(_ folder: String) throws -> [File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var files: [File] = []
        for name in names.sorted() where name.hasPrefix("snapshot-") && name.hasSuffix(".json") {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: String],
                  let text = object["digest"], let signature = object["signature"].flatMap({ Data(base64Encoded: $0) }),
                  let content = Content(text: text)
            else { throw StoreError.tampered("\(path) is not a connect-audit digest file") }
            files.append(File(text: text, signature: Array(signature), content: content))
        }
        return files.sorted { $0.content.snapshotID < $1.content.snapshotID }
    }

    /// Writes, in snapshot order, a signed digest for every snapshot after the last one
    /// `folder` has a digest of, each chained to the one before (a digest missing from the
    /// middle is not written again: `verify --digests` reports the gap). Returns the ids written.
    package func writeMissing(to folder: String, sign: ([UInt8]) throws -> [UInt8], now: Instant) throws -> [Int64] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let existing = try Self.read(folder)
        // Never sign what verify would not accept.
        if let problem = try HistoryVerifier.firstSnapshotProblem(connection, from: (existing.last?.content.snapshotID ?? 0) + 1) {
            throw StoreError.tampered("not signed: \(problem)")
        }
        var previous = existing.last.map { SHA256.hex(of: $0.text) }
        var written: [Int64] = []
        // The newest event at each snapshot (the chain's head then) comes with its hash.
        for row in try connection.query("""
            SELECT s.id, s.captured_at, s.content_sha256, s.row_count, head.id, head.hash, s.source,
                   (SELECT count(*) FROM connect_audit.snapshot_warnings w WHERE w.snapshot_id = s.id)
            FROM connect_audit.snapshots s
            LEFT JOIN LATERAL (
                SELECT e.id, e.hash FROM connect_audit.change_events e WHERE e.snapshot_id <= s.id ORDER BY e.id DESC LIMIT 1
            ) head ON true
            WHERE s.id > $1 ORDER BY s.id
            """, [existing.last?.content.snapshotID ?? 0]) {
            let id = try row.decode(Int64.self, at: 0)
            let head = try row.decodeIfPresent(Int64.self, at: 4)
            let content = Content(
                snapshotID: id, capturedAt: try row.decode(Instant.self, at: 1).iso8601, contentSHA256: try row.decode(String.self, at: 2),
                rowCount: try row.decode(Int.self, at: 3), source: try row.decode(String.self, at: 6), warningCount: try row.decode(Int.self, at: 7),
                counts: try counts(of: id), headEventID: head,
                headHash: try row.decodeIfPresent(String.self, at: 5), eventCount: try eventCount(upTo: head),
                previousDigestSHA256: previous, generatedAt: now.iso8601)
            let text = content.text
            let signature = try sign(Array(text.utf8))
            let file = CanonicalJSON.text(["digest": text, "signature": Data(signature).base64EncodedString()])
            try Data(file.utf8).write(to: URL(fileURLWithPath: folder + "/" + Self.fileName(id)), options: .atomic)
            previous = SHA256.hex(of: text)
            written.append(id)
        }
        return written
    }

    private func counts(of snapshot: Int64) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try connection.query("SELECT kind::text, count(*) FROM connect_audit.change_events WHERE snapshot_id = $1 GROUP BY 1", [snapshot]) {
            out[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return out
    }

    private func hash(ofEvent id: Int64) throws -> String? {
        try connection.query("SELECT hash FROM connect_audit.change_events WHERE id = $1", [id]).first?.decode(String.self, at: 0)
    }

    private func eventCount(upTo id: Int64?) throws -> Int {
        guard let id else { return 0 }
        return try connection.query("SELECT count(*) FROM connect_audit.change_events WHERE id <= $1", [id])[0].decode(Int.self, at: 0)
    }

    /// Checks `files` (signatures by `verifySignature`, their chain) and the database
    /// against them; the first mismatch, in words, or `nil`.
    package func check(_ files: [File], verifySignature: ([UInt8], [UInt8]) throws -> Bool) throws -> String? {
        guard !files.isEmpty else { return "no digests to check against" }
        var previous: String?
        for file in files {
            let content = file.content
            let name = "the digest of snapshot #\(content.snapshotID) (captured \(content.capturedAt))"
            guard try verifySignature(file.signature, Array(file.text.utf8)) else { return "\(name) is not signed by this key (altered, or another key)" }
            if content.previousDigestSHA256 != previous {
                return "\(name) does not follow the digest before it: a digest was removed from the middle, or the folder is not one chain"
            }
            previous = SHA256.hex(of: file.text)
            guard let row = try connection.query(
                """
                SELECT captured_at, content_sha256, row_count, source,
                       (SELECT count(*) FROM connect_audit.snapshot_warnings w WHERE w.snapshot_id = s.id)
                FROM connect_audit.snapshots s WHERE id = $1
                """, [content.snapshotID]).first
            else { return "snapshot #\(content.snapshotID) (captured \(content.capturedAt)) is in the digests but not in the database: removed" }
            if try row.decode(Instant.self, at: 0).iso8601 != content.capturedAt || row.decode(String.self, at: 1) != content.contentSHA256
                || row.decode(Int.self, at: 2) != content.rowCount || row.decode(String.self, at: 3) != content.source
                || row.decode(Int.self, at: 4) != content.warningCount {
                return "snapshot #\(content.snapshotID) differs from \(name): its capture time, content digest, row count, source or warnings were changed"
            }
            if try counts(of: content.snapshotID) != content.counts {
                return "snapshot #\(content.snapshotID)'s events differ from \(name): events were removed or added"
            }
            if let head = content.headEventID {
                guard let stored = try hash(ofEvent: head) else {
                    return "the history is cut off: \(name) says the chain reached event #\(head), the database has no such event"
                }
                if stored != content.headHash {
                    return "the history was rewritten: event #\(head)'s hash differs from \(name) (since snapshot #\(content.snapshotID) or before)"
                }
                if try eventCount(upTo: head) != content.eventCount {
                    return "events up to #\(head) are not the \(content.eventCount) that \(name) counted: events were removed or inserted"
                }
            }
        }
        if let last = files.last?.content, let newest = try connection.query("SELECT max(id) FROM connect_audit.snapshots")[0].decodeIfPresent(Int64.self, at: 0),
           newest > last.snapshotID {
            return "snapshots after #\(last.snapshotID) have no digest yet (run `connect-audit digest`, or ingest with --digest-dir)"
        }
        return nil
    }
}

extension SnapshotDigests.Content {
    /// A digest read back from its signed text; `nil` when it is not one. (Declared here,
    /// not in the struct, so that the struct keeps its synthesized memberwise initializer.)
    init?(text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              object["format"] as? String == "connect-audit/digest/v1",
              let id = (object["snapshot_id"] as? String).flatMap(Int64.init), let captured = object["captured_at"] as? String,
              let content = object["content_sha256"] as? String, let rows = (object["row_count"] as? String).flatMap(Int.init),
              let counts = object["counts"] as? [String: String], let events = (object["event_count"] as? String).flatMap(Int.init),
              let generated = object["generated_at"] as? String, let source = object["source"] as? String,
              let warnings = (object["warning_count"] as? String).flatMap(Int.init)
        else { return nil }
        self.init(
            snapshotID: id, capturedAt: captured, contentSHA256: content, rowCount: rows, source: source, warningCount: warnings,
            counts: counts.compactMapValues(Int.init),
            headEventID: (object["chain_head_event_id"] as? String).flatMap(Int64.init), headHash: object["chain_head_hash"] as? String,
            eventCount: events, previousDigestSHA256: object["previous_digest_sha256"] as? String, generatedAt: generated)
    }
}

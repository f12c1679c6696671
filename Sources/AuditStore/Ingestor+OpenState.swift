import AuditCore
import AuditModel
import AuditTime
import Foundation
import Logging
import PostgresClient
import SnapshotReading

/// What an ingest reads of the history before it diffs: the open versions, the rows it
/// needs in full, the instances and fields seen before.
extension Ingestor {
    func newestSnapshotID() throws -> Int64 {
        try connection.query("SELECT coalesce(max(id), 0) FROM connect_audit.snapshots")[0].decode(Int64.self, at: 0)
    }

    /// Every open version's summary, read with a binary `COPY` (one pass, flat memory;
    /// no timestamps to format or parse), indexed as the rows arrive.
    func loadOpenVersions() throws -> OpenVersions {
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
    struct RepeatedText {
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
    func readAgainst(_ open: OpenVersions, _ snapshot: Snapshot) throws -> Snapshot {
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
        return Snapshot(records: records, recognized: recognized, readAgainst: open, digests: SnapshotHashing.digests(of: records[...]))
    }

    static let recordColumns = ProfileColumns.record.joined(separator: ", ")

    /// The full open versions of `keys` (those whose content changed).
    func loadOpenProfiles(_ keys: [String]) throws -> [String: SecurityProfile] {
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
    func loadLastVersions(_ keys: [String]) throws -> [String: StoredVersion] {
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
    func observedFields() throws -> Set<FieldObservation> {
        var observed = Set<FieldObservation>()
        for row in try connection.query("SELECT scope_instance, field FROM connect_audit.observed_fields") {
            guard let field = ProfileField(rawValue: try row.decode(String.self, at: 1)) else { continue }
            observed.insert(FieldObservation(instance: try row.decode(String.self, at: 0), field: field))
        }
        return observed
    }

    /// Records the fields this snapshot carried first for their instances.
    func writeObservations(_ observations: Set<FieldObservation>, snapshotID: Int64) throws {
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
    func knownInstances() throws -> Set<String> {
        Set(try connection.query("SELECT DISTINCT unnest(instances) FROM connect_audit.snapshots").map { try $0.decode(String.self, at: 0) })
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading


/// How a profile maps to the columns of `connect_audit.profile_versions`.
enum ProfileColumns {
    /// The record columns, in the order `encode` writes them and `decode` reads them.
    static let record = [
        "profile_key", "last_modified_time", "account_id", "allowed_access_control_hierarchy_group_id",
        "allowed_access_control_tags", "arn", "description", "hierarchy_restricted_resources", "id",
        "last_modified_region", "organization_resource_id", "security_profile_name", "tag_restricted_resources",
        "tags", "permissions", "applications", "granular_access_control", "extra",
    ]

    /// The columns `COPY` writes for a new version.
    static let copyColumns = ["version", "valid_from", "content_hash", "source_sha256", "row_sha256", "scope_instance", "snapshot_id"]
        + record

    /// Appends one new version's row, in `copyColumns` order, in binary `COPY` form (the
    /// statement is `copyStatement`).
    static func encode(
        _ version: NewVersion, validFrom: Instant, snapshotID: Int64, into writer: inout PostgresBinaryCopyInWriter
    ) throws {
        try encode(
            version.profile, version: version.version, contentHash: version.contentHash,
            sourceFingerprint: version.sourceFingerprint, rowDigest: version.rowDigest, validFrom: validFrom,
            snapshotID: snapshotID, into: &writer)
    }

    /// Appends version 1 of `record`'s profile, for a key with no history: its content as
    /// read (nothing to carry forward), the version `Differ.diff` makes of it. Written from
    /// the record where it lies (a first load streams 100,000 of them; building a
    /// `NewVersion` for each copied every field of its profile).
    static func encodeFirst(
        _ record: ParsedRecord, digests: RecordDigests, validFrom: Instant, snapshotID: Int64,
        into writer: inout PostgresBinaryCopyInWriter
    ) throws {
        try encode(
            record.profile, version: 1, contentHash: digests.content.hex, sourceFingerprint: record.sourceFingerprint,
            rowDigest: digests.row, validFrom: validFrom, snapshotID: snapshotID, into: &writer)
    }

    private static func encode(
        _ profile: SecurityProfile, version: Int, contentHash: String, sourceFingerprint: SourceFingerprint?,
        rowDigest: SHA256Digest?, validFrom: Instant, snapshotID: Int64, into writer: inout PostgresBinaryCopyInWriter
    ) throws {
        writer.int32(Int32(version))
        writer.timestamp(validFrom)
        writer.text(contentHash)
        if let fingerprint = sourceFingerprint {
            fingerprint.withBytes { writer.bytea($0) }
        } else {
            writer.bytea(nil)
        }
        let row = rowDigest ?? .row(key: profile.key, time: profile.lastModifiedTime, contentHash: profile.contentDigest)
        row.withBytes { writer.bytea($0) }
        writer.text(profile.scopeInstance)
        writer.int64(snapshotID)
        writer.text(profile.key)
        writer.timestamp(profile.lastModifiedTime)
        writer.text(profile.accountID)
        writer.text(profile.allowedAccessControlHierarchyGroupID)
        writer.textArray(profile.allowedAccessControlTags)
        writer.text(profile.arn)
        writer.text(profile.description)
        writer.textArray(profile.hierarchyRestrictedResources)
        writer.text(profile.id)
        writer.text(profile.lastModifiedRegion)
        writer.text(profile.organizationResourceID)
        writer.text(profile.securityProfileName)
        writer.textArray(profile.tagRestrictedResources)
        writer.textArray(profile.tags)
        writer.textArray(profile.permissions)
        writer.textArray(profile.applications)
        writer.text(profile.granularAccessControl)
        writer.jsonb(extraJSON(profile.extra))
        try writer.endRow()
    }

    /// The binary `COPY` of new versions that `encode` writes rows for.
    static let copyStatement =
        "COPY connect_audit.profile_versions (\(copyColumns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"

    /// `extra` as a JSON object; its values are already canonical JSON text.
    static func extraJSON(_ extra: [String: String]) -> String {
        guard !extra.isEmpty else { return "{}" }
        return "{" + extra.keys.sorted().map { CanonicalJSON.text($0) + ":" + (extra[$0] ?? "null") }.joined(separator: ",") + "}"
    }

    /// Reads a profile from a row that has the `record` columns.
    static func decode(_ row: PostgresRow) throws -> SecurityProfile {
        var extra: [String: String] = [:]
        if let text = try row.decodeIfPresent(String.self, column: "extra"),
           let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            for (name, value) in object { extra[name] = SecurityProfile.extraValue(value) }
        }
        return SecurityProfile(
            key: try row.decode(String.self, column: "profile_key"),
            accountID: try row.decodeIfPresent(String.self, column: "account_id"),
            allowedAccessControlHierarchyGroupID: try row.decodeIfPresent(String.self, column: "allowed_access_control_hierarchy_group_id"),
            allowedAccessControlTags: try row.decode([String].self, column: "allowed_access_control_tags"),
            arn: try row.decodeIfPresent(String.self, column: "arn"),
            description: try row.decodeIfPresent(String.self, column: "description"),
            hierarchyRestrictedResources: try row.decode([String].self, column: "hierarchy_restricted_resources"),
            id: try row.decodeIfPresent(String.self, column: "id"),
            lastModifiedRegion: try row.decodeIfPresent(String.self, column: "last_modified_region"),
            lastModifiedTime: try row.decodeIfPresent(Instant.self, column: "last_modified_time"),
            organizationResourceID: try row.decodeIfPresent(String.self, column: "organization_resource_id"),
            securityProfileName: try row.decodeIfPresent(String.self, column: "security_profile_name"),
            tagRestrictedResources: try row.decode([String].self, column: "tag_restricted_resources"),
            tags: try row.decode([String].self, column: "tags"),
            permissions: try row.decode([String].self, column: "permissions"),
            applications: try row.decode([String].self, column: "applications"),
            granularAccessControl: try row.decodeIfPresent(String.self, column: "granular_access_control"),
            extra: extra)
    }
}

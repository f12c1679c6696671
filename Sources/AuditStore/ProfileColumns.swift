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

    /// Appends one new version's row, in `copyColumns` order.
    static func encode(
        _ version: NewVersion, validFrom: Instant, snapshotID: Int64, into writer: inout PostgresCopyInWriter
    ) throws {
        let profile = version.profile
        writer.append(version.version)
        try writer.append(validFrom)
        try writer.append(version.contentHash)
        try writer.append(version.sourceFingerprint.map { "\\x" + $0.hex })  // bytea, hex form
        let row = version.rowDigest ?? .row(
            key: profile.key, time: profile.lastModifiedTime, contentHash: profile.contentDigest)
        try writer.append("\\x" + row.hex)
        try writer.append(profile.scopeInstance)
        try writer.append(Int64(snapshotID))
        try writer.append(profile.key)
        try writer.append(profile.lastModifiedTime)
        try writer.append(profile.accountID)
        try writer.append(profile.allowedAccessControlHierarchyGroupID)
        try writer.append(profile.allowedAccessControlTags)
        try writer.append(profile.arn)
        try writer.append(profile.description)
        try writer.append(profile.hierarchyRestrictedResources)
        try writer.append(profile.id)
        try writer.append(profile.lastModifiedRegion)
        try writer.append(profile.organizationResourceID)
        try writer.append(profile.securityProfileName)
        try writer.append(profile.tagRestrictedResources)
        try writer.append(profile.tags)
        try writer.append(profile.permissions)
        try writer.append(profile.applications)
        try writer.append(profile.granularAccessControl)
        try writer.append(extraJSON(profile.extra))
        try writer.endRow()
    }

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

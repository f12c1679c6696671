import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading

/// Versions of profiles: as of a time, and one profile's history.
extension HistoryQueries {
    static let versionColumns = "version, valid_from, valid_to, " + ProfileColumns.record.joined(separator: ", ")

    /// Every profile as it was at `instant` (`nil`: now).
    package func profiles(asOf instant: Instant?) throws -> [VersionRecord] {
        let rows = if let instant {
            try connection.query(
                "SELECT \(Self.versionColumns) FROM connect_audit.profiles_as_of($1) ORDER BY security_profile_name, profile_key",
                [instant])
        } else {
            try connection.query("SELECT \(Self.versionColumns) FROM connect_audit.current_profiles ORDER BY security_profile_name, profile_key")
        }
        return try rows.map(Self.version)
    }

    /// The keys matching a key or a profile name (a name may match several profiles).
    package func keys(matching keyOrName: String) throws -> [String] {
        try connection.query("""
            SELECT DISTINCT profile_key FROM connect_audit.profile_versions
            WHERE profile_key = $1 OR security_profile_name = $1 ORDER BY profile_key
            """, [keyOrName]).map { try $0.decode(String.self, at: 0) }
    }

    /// Every version of a profile, newest first.
    package func versions(ofKey key: String) throws -> [VersionRecord] {
        try connection.query(
            "SELECT \(Self.versionColumns) FROM connect_audit.profile_versions WHERE profile_key = $1 ORDER BY version DESC",
            [key]).map(Self.version)
    }

    static func version(_ row: PostgresRow) throws -> VersionRecord {
        VersionRecord(
            version: try row.decode(Int.self, column: "version"),
            validFrom: try row.decode(Instant.self, column: "valid_from"),
            validTo: try row.decodeIfPresent(Instant.self, column: "valid_to"),
            profile: try ProfileColumns.decode(row))
    }
}

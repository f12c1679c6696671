/// One numbered SQL migration, carried inside the binary.
package struct Migration: Sendable, Equatable {
    /// The number in front of the file name (`0001_schema.sql` is 1).
    package let number: Int
    /// The file name in `migrations/`.
    package let fileName: String
    /// The SQL text.
    package let sql: String

    /// Every migration, in order: the files of `migrations/`, embedded at build time.
    ///
    /// To add one, put the file in `migrations/`, list it in `Package.swift`'s
    /// `embedInCode` resources and here; a test checks the three agree.
    package static let all: [Migration] = [
        Migration(fileName: "0001_schema.sql", bytes: PackageResources._001_schema_sql),
        Migration(fileName: "0002_source_fingerprints.sql", bytes: PackageResources._002_source_fingerprints_sql),
        Migration(fileName: "0003_close_check_by_row.sql", bytes: PackageResources._003_close_check_by_row_sql),
        Migration(fileName: "0004_overlap_guard_for_open_versions.sql", bytes: PackageResources._004_overlap_guard_for_open_versions_sql),
        Migration(fileName: "0005_applications_and_granular_access.sql", bytes: PackageResources._005_applications_and_granular_access_sql),
        Migration(fileName: "0006_trail_events.sql", bytes: PackageResources._006_trail_events_sql),
        Migration(fileName: "0007_discovered.sql", bytes: PackageResources._007_discovered_sql),
        Migration(fileName: "0008_alert_digests.sql", bytes: PackageResources._008_alert_digests_sql),
        Migration(fileName: "0009_truncate_and_baselines.sql", bytes: PackageResources._009_truncate_and_baselines_sql),
        Migration(fileName: "0010_roles.sql", bytes: PackageResources._010_roles_sql),
        Migration(fileName: "0011_bulk_load_overlap_check.sql", bytes: PackageResources._011_bulk_load_overlap_check_sql),
        Migration(fileName: "0012_hash_collation.sql", bytes: PackageResources._012_hash_collation_sql),
        Migration(fileName: "0013_event_labels.sql", bytes: PackageResources._013_event_labels_sql),
        Migration(fileName: "0014_event_diff_text.sql", bytes: PackageResources._014_event_diff_text_sql),
        Migration(fileName: "0015_changes_by_time.sql", bytes: PackageResources._015_changes_by_time_sql),
        Migration(fileName: "0016_discoveries.sql", bytes: PackageResources._016_discoveries_sql),
        Migration(fileName: "0017_attribution_in_time.sql", bytes: PackageResources._017_attribution_in_time_sql),
        Migration(fileName: "0018_snapshot_integrity.sql", bytes: PackageResources._018_snapshot_integrity_sql),
        Migration(fileName: "0019_observed_fields.sql", bytes: PackageResources._019_observed_fields_sql),
        Migration(fileName: "0020_key_collation.sql", bytes: PackageResources._020_key_collation_sql),
        Migration(fileName: "0021_users.sql", bytes: PackageResources._021_users_sql),
        Migration(fileName: "0022_no_open_scope_index.sql", bytes: PackageResources._022_no_open_scope_index_sql),
    ]

    /// A migration named `fileName` (which starts with its number) running `sql`.
    package init(fileName: String, sql: String) {
        guard let number = Int(fileName.prefix(while: \.isNumber)) else {
            preconditionFailure("migration \(fileName) must start with its number")
        }
        self.number = number
        self.fileName = fileName
        self.sql = sql
    }

    private init(fileName: String, bytes: [UInt8]) {
        self.init(fileName: fileName, sql: String(decoding: bytes, as: UTF8.self))
    }
}

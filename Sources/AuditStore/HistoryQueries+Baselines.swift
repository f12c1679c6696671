import AuditCore
import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading

/// Approved baselines: named points in time.
extension HistoryQueries {
    /// Names `at` as an approved baseline.
    /// - Throws: `StoreError.baselineExists` when the name is taken.
    package func approveBaseline(_ name: String, at: Instant, note: String?) throws -> Baseline {
        let result = try connection.execute("""
            INSERT INTO connect_audit.baselines (name, approved_at, note) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING
            """, [name, at, note])
        guard result.affectedRows == 1, let existing = try baseline(name) else {
            throw StoreError.baselineExists(name)
        }
        return existing
    }

    package func baseline(_ name: String) throws -> Baseline? {
        try connection.query("SELECT name, approved_at, note FROM connect_audit.baselines WHERE name = $1", [name])
            .first.map(Self.baseline)
    }

    package func baselines() throws -> [Baseline] {
        try connection.query("SELECT name, approved_at, note FROM connect_audit.baselines ORDER BY approved_at, name").map(Self.baseline)
    }

    static func baseline(_ row: PostgresRow) throws -> Baseline {
        Baseline(
            name: try row.decode(String.self, at: 0), approvedAt: try row.decode(Instant.self, at: 1),
            note: try row.decodeIfPresent(String.self, at: 2))
    }
}

import AuditCore
import AuditTime
import PostgresClient

extension HistoryQueries {
    /// The rows of `connect_audit.access_changes` observed in `[from, to)`, of users of
    /// `account` if given (their latest version's account): what each user gained and
    /// lost, by whom and through which profile.
    package func userAccessChanges(from: Instant, to: Instant, account: String? = nil) throws -> [UserAccessChange.Row] {
        // Without any user snapshot there is nothing to derive (and the view is not asked).
        guard try connection.query("SELECT EXISTS (SELECT 1 FROM connect_audit.user_snapshots)")[0].decode(Bool.self, at: 0) else {
            return []
        }
        return try connection.query("""
            SELECT a.user_key, a.username, a.permission, a.change = 'gained', a.via_profile_key, a.at, a.event_id, a.event_table, a.principal,
                   (SELECT v.security_profile_name FROM connect_audit.profile_versions v
                    WHERE v.profile_key = a.via_profile_key ORDER BY v.version DESC LIMIT 1)
            FROM connect_audit.access_changes a
            WHERE a.at >= $1 AND a.at < $2
              AND ($3::text IS NULL OR $3 = (SELECT v.account_id FROM connect_audit.user_versions v
                                            WHERE v.user_key = a.user_key ORDER BY v.version DESC LIMIT 1))
            """, [from, to, account]).map { row in
            UserAccessChange.Row(
                userKey: try row.decode(String.self, at: 0), username: try row.decodeIfPresent(String.self, at: 1),
                permission: try row.decode(String.self, at: 2), gained: try row.decode(Bool.self, at: 3),
                via: try row.decodeIfPresent(String.self, at: 4), at: try row.decode(Instant.self, at: 5),
                eventID: try row.decode(Int64.self, at: 6), eventTable: try row.decode(String.self, at: 7),
                principal: try row.decodeIfPresent(String.self, at: 8))
                .named(try row.decodeIfPresent(String.self, at: 9))
        }
    }
}

extension UserAccessChange.Row {
    /// The row with its `via` profile's name.
    func named(_ name: String?) -> Self {
        var row = self
        row.viaName = name
        return row
    }
}

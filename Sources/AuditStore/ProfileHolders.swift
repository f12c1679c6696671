import PostgresClient

/// How many users held a profile when a change of it was observed: the blast radius a
/// report shows beside each change ("held by 412 users").
enum ProfileHolders {
    /// The holder count of each of `eventIDs` observed once users were known (at or after
    /// the first user snapshot): the open user versions then whose profile ids name the
    /// event's profile (by its id within its instance). Events before any user snapshot, or
    /// in a history without one, have no count.
    static func counts(of eventIDs: [Int64], on connection: PostgresConnection) throws -> [Int64: Int] {
        guard !eventIDs.isEmpty,
              try connection.query("SELECT EXISTS (SELECT 1 FROM connect_audit.user_snapshots)")[0].decode(Bool.self, at: 0)
        else { return [:] }
        var counts: [Int64: Int] = [:]
        for row in try connection.query("""
            SELECT e.id, count(u.user_key)
            FROM connect_audit.change_events e
            JOIN connect_audit.profile_versions v
              ON v.profile_key = e.profile_key AND v.version = coalesce(e.to_version, e.from_version)
            LEFT JOIN connect_audit.user_versions u
              ON u.security_profile_ids @> ARRAY[v.id] AND u.instance = v.scope_instance
             AND u.valid_from <= e.observed_at AND (u.valid_to IS NULL OR u.valid_to > e.observed_at)
            WHERE e.id = ANY ($1::bigint[])
              AND e.observed_at >= (SELECT min(captured_at) FROM connect_audit.user_snapshots)
            GROUP BY e.id
            """, [eventIDs.map(String.init)]) {
            counts[try row.decode(Int64.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return counts
    }
}

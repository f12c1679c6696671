import PostgresClient

/// Writing many versions into a history that holds few (a first ingest, a new organisation):
/// the indexes are built once after the `COPY`, not grown row by row.
///
/// Inside the ingest's transaction, `begin` (or `beginFirstLoad`, for a first load that
/// streams its versions while the file is read: `Ingestor.firstLoad`) remembers the
/// definition of every index and foreign key of `profile_versions` and `change_events`
/// and of every foreign key that references them (from the catalog, so the path follows
/// whatever the migrations made; all but the indexes over closed versions, which no
/// copied row enters: `closedVersionsOnly`),
/// drops them and the statement trigger that checks new versions for overlap; `finish`
/// recreates every index, constraint and the trigger from its definition, which validates
/// each unique, exclusion and foreign key over all rows, and runs the trigger's check once
/// for the snapshot's versions
/// (`connect_audit.refuse_overlap_in_snapshot`, migration 0011). A failure anywhere rolls
/// the whole ingest back, definitions included: the guarantees of DESIGN §5 hold as on the
/// row-by-row path, checked by the same tests, and `verify` passes after it.
///
/// Only the tables' owner (or a member of its role) can do this; the least-privilege
/// `connect_audit_ingest` role takes the row-by-row path. Other sessions wait for the
/// ingest's commit to read the two tables (DROP INDEX locks them), as they would wait
/// for its rows.
///
/// Why: copying into indexes and foreign-key checks row by row costs more than building
/// them once afterwards (`scripts/bench-ingest` measures the first ingest).
struct BulkLoad {
    /// Fewer new rows than this take the row-by-row path.
    static let minimumRows = 10_000

    private static let versionsTable = "connect_audit.profile_versions"
    private static let tables = [versionsTable, "connect_audit.change_events"]
    /// The predicate (as `pg_get_expr` prints it) of an index over closed versions only, such
    /// as the exclusion constraint `profile_versions_no_overlap`. Such an index stays: the
    /// `COPY` writes open versions only (it has no `valid_to` column), so no copied row
    /// enters it, while rebuilding it would scan the whole table for nothing. Versions closed by the load's `UPDATE`s
    /// enter it, and are checked, as on the row-by-row path.
    private static let closedVersionsOnly = "(valid_to IS NOT NULL)"
    /// The trigger whose per-statement check `finish` runs once instead. Dropped, not
    /// disabled: PostgreSQL keeps a disabled trigger's transition table, so a `COPY` would
    /// still store every row it writes a second time (spilled to a temporary file).
    private static let overlapTrigger = "profile_versions_no_overlap_inserted"

    private let connection: PostgresConnection
    /// Statements that recreate what `begin` dropped: each table's indexes, then the
    /// foreign keys (those of other tables that reference these among them).
    /// `restoreVersionIndexes()` runs the versions' early.
    private var restore: [(statement: String, ofVersions: Bool, isForeignKey: Bool)]
    /// The `CREATE TRIGGER` statement of `overlapTrigger`, as the catalog prints it.
    private let overlapTriggerDefinition: String

    /// Drops the indexes and foreign keys when `rows` new versions are many, outnumber
    /// those already stored, and this role owns the tables; otherwise `nil` (row by row).
    static func begin(on connection: PostgresConnection, rows: Int) throws -> BulkLoad? {
        guard rows >= minimumRows else { return nil }
        let fit = try connection.query("""
            SELECT (SELECT count(*) FROM (SELECT 1 FROM connect_audit.profile_versions LIMIT $1) stored) < $1
            """, [rows])[0]
        guard try fit.decode(Bool.self, at: 0), try ownsTables(connection) else { return nil }
        return try BulkLoad(dropping: connection)
    }

    /// Drops the indexes and foreign keys for a first load whose rows are not counted yet
    /// (the caller holds the ingest lock and has seen the history empty), when this role
    /// owns the tables; otherwise `nil`.
    static func beginFirstLoad(on connection: PostgresConnection) throws -> BulkLoad? {
        try ownsTables(connection) ? try BulkLoad(dropping: connection) : nil
    }

    /// Whether this role owns both tables and every table whose foreign key references
    /// them (or is a member of their owner's role): it drops and restores all of those.
    private static func ownsTables(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("""
            SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class
            WHERE oid = ANY($1::regclass[])
               OR oid IN (SELECT conrelid FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY($1::regclass[]))
            """, [tables])[0].decode(Bool.self, at: 0)
    }

    /// Remembers and drops every index and foreign key it will restore, and disables the
    /// overlap trigger.
    private init(dropping connection: PostgresConnection) throws {
        self.connection = connection
        var drop: [String] = []
        var indexes: [(String, Bool, Bool)] = []
        var foreignKeys: [(String, Bool, Bool)] = []
        // The tables' own keys and constraints, and the foreign keys of other tables that
        // reference them (alert_outbox's, to the events' primary key): kept, such a key would
        // keep the key it depends on, which a COPY would then grow row by row (a third of
        // the events' COPY). Foreign keys are dropped first and restored last; dropping one
        // locks its table until the commit, as the ingest's own rows there do.
        for row in try connection.query("""
            SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid), c.contype = 'f',
                   c.conrelid = $2::regclass
            FROM pg_constraint c LEFT JOIN pg_index i ON i.indexrelid = c.conindid AND c.contype <> 'f'
            WHERE ((c.conrelid = ANY($1::regclass[]) AND c.contype IN ('p', 'u', 'x', 'f'))
                   OR (c.confrelid = ANY($1::regclass[]) AND c.contype = 'f'))
              AND pg_get_expr(i.indpred, i.indrelid) IS DISTINCT FROM $3
            ORDER BY c.contype <> 'f', c.oid
            """, [Self.tables, Self.versionsTable, Self.closedVersionsOnly]) {
            let table = try row.decode(String.self, at: 0)
            let ofVersions = try row.decode(Bool.self, at: 4)
            let name = try row.decode(String.self, at: 1)
            drop.append("ALTER TABLE \(table) DROP CONSTRAINT \(name)")
            let add = "ALTER TABLE \(table) ADD CONSTRAINT \(name) \(try row.decode(String.self, at: 2))"
            if try row.decode(Bool.self, at: 3) { foreignKeys.append((add, ofVersions, true)) } else { indexes.append((add, ofVersions, false)) }
        }
        for row in try connection.query("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indrelid = $2::regclass
            FROM pg_index i
            WHERE i.indrelid = ANY($1::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
              AND pg_get_expr(i.indpred, i.indrelid) IS DISTINCT FROM $3
            ORDER BY i.indexrelid
            """, [Self.tables, Self.versionsTable, Self.closedVersionsOnly]) {
            drop.append("DROP INDEX \(try row.decode(String.self, at: 0))")
            indexes.append((try row.decode(String.self, at: 1), try row.decode(Bool.self, at: 2), false))
        }
        overlapTriggerDefinition = try connection.query("""
            SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2
            """, [Self.versionsTable, Self.overlapTrigger])[0].decode(String.self, at: 0)
        drop.append("DROP TRIGGER \(Self.overlapTrigger) ON \(Self.versionsTable)")
        for statement in drop { try connection.execute(statement) }
        // Room for the index builds' sorts, for this transaction only, and one parallel
        // worker beside the leader at most (the server's setting if lower): two processes
        // a build, which the client's diff runs beside. On the 2-core machine of
        // docs/performance.md, a first load of 100,000 profiles took 3.80-3.92 s with one
        // worker against 4.00-4.15 s with PostgreSQL's default two (alternated runs).
        try connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
        try connection.execute("""
            SELECT set_config('max_parallel_maintenance_workers',
                              least(current_setting('max_parallel_maintenance_workers')::int, 1)::text, true)
            """)
        restore = indexes + foreignKeys
    }

    /// Recreates the indexes and constraints of `profile_versions` other than foreign keys
    /// (each checked over all its rows), before `finish`: a first load builds them while
    /// it diffs.
    mutating func restoreVersionIndexes() throws {
        for step in restore where step.ofVersions && !step.isForeignKey { try connection.execute(step.statement) }
        restore.removeAll { $0.ofVersions && !$0.isForeignKey }
    }

    /// Recreates every index and constraint not restored yet and the trigger, and checks
    /// the versions of `snapshotID` for overlap, as the trigger would have.
    func finish(snapshotID: Int64) throws {
        // The snapshot's deferred check (its counts are its events) runs now, with its events
        // written: a foreign key to `snapshots` cannot be added while it is pending.
        try connection.execute("SET CONSTRAINTS connect_audit.snapshots_match_events IMMEDIATE")
        for step in restore { try connection.execute(step.statement) }
        try connection.execute(overlapTriggerDefinition)
        try connection.execute("SELECT connect_audit.refuse_overlap_in_snapshot($1)", [snapshotID])
    }
}

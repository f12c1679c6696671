import AuditCore
import AuditModel
import PostgresClient

/// The number a report's query sends in place of an event's kind, drift and severity
/// labels, and what each stands for.
///
/// PostgreSQL stores an enum value as the OID of its label and sends it as the label's
/// text, looked up in the system catalog for each value: the server spends less time on one
/// number than on three labels. `hashenumextended(value, seed)` (the hash PostgreSQL's hash
/// indexes use on an enum) is computed from the OID alone; the kind's hash is seeded with
/// the drift's, seeded with the severity's. The numbers of every combination of labels are
/// asked once, in the report's own transaction, so they are those of the database being read.
package struct ClassificationCodes {
    private typealias Classification = (kind: ChangeKind, drift: DriftClass, severity: Severity)

    /// The combinations (a few hundred), by their numbers.
    private var classifications: [Int64: Classification] = [:]

    /// The select list a report's query reads the three as.
    package static let column = "hashenumextended(e.kind, hashenumextended(e.drift, hashenumextended(e.severity, 0)))"

    /// The numbers of the database `connection` reads. Labels this binary does not know are
    /// left out (an event that has one is refused as it is read).
    /// - Throws: `StoreError.internalInvariant` when two combinations share a number (64-bit hashes
    ///   of a few hundred: not expected to happen).
    package static func read(on connection: PostgresConnection) throws -> ClassificationCodes {
        let rows = try connection.query("""
            SELECT k::text, d::text, s::text, hashenumextended(k, hashenumextended(d, hashenumextended(s, 0)))
            FROM unnest(enum_range(NULL::connect_audit.event_kind)) k, unnest(enum_range(NULL::connect_audit.drift_class)) d,
                 unnest(enum_range(NULL::connect_audit.severity)) s
            """)
        var codes = ClassificationCodes()
        var seen = Set<Int64>()
        for row in rows {
            let code = try row.decode(Int64.self, at: 3)
            guard seen.insert(code).inserted else {
                throw StoreError.internalInvariant("two combinations of kind, drift and severity hash to one number (not expected of 64-bit hashes; please report it)")
            }
            guard let kind = ChangeKind(rawValue: try row.decode(String.self, at: 0)),
                  let drift = DriftClass(rawValue: try row.decode(String.self, at: 1)),
                  let severity = Severity(rawValue: try row.decode(String.self, at: 2))
            else { continue }
            codes.classifications[code] = (kind, drift, severity)
        }
        return codes
    }

    /// The kind, drift and severity sent as `code`.
    /// - Throws: `StoreError.schemaNewer` for a number of no labels this binary knows.
    package func classification(_ code: Int64) throws -> (ChangeKind, DriftClass, Severity) {
        if let known = classifications[code] { return known }
        throw StoreError.schemaNewer("change_events has a kind, drift or severity this connect-audit does not know; update connect-audit")
    }
}

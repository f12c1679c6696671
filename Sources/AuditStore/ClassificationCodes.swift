import AuditCore
import AuditModel
import PostgresClient

/// The numbers a report's query sends in place of an event's kind, drift and severity
/// labels, and what each stands for.
///
/// PostgreSQL stores an enum value as the OID of its label and sends it as the label's
/// text, looked up in the system catalog for each value: the three labels were about a
/// fifth of the server's CPU time sending a year of 1,000,000 profiles' changes (11.3 s
/// with the labels, 9.0 s with these numbers, the backend's own CPU time, `COPY` of the
/// report's columns to `/dev/null`, issue 18). `hashenumextended(value, 0)` (the hash
/// PostgreSQL's hash indexes use on an enum) is computed from the OID alone; the labels'
/// numbers are asked once, in the report's own transaction, so they are those of the
/// database being read.
package struct ClassificationCodes {
    private let kinds: [(code: Int64, value: ChangeKind)]
    private let drifts: [(code: Int64, value: DriftClass)]
    private let severities: [(code: Int64, value: Severity)]

    /// The select list a report's query reads the three as, in this order.
    static let columns = "hashenumextended(e.kind, 0), hashenumextended(e.drift, 0), hashenumextended(e.severity, 0)"

    /// The numbers of the labels of the database `connection` reads. Labels this binary does
    /// not know are left out (an event that has one is refused as it is read).
    /// - Throws: `StoreError.integrity` when two labels of one type share a number (64-bit
    ///   hashes of a handful of labels: not expected to happen).
    package static func read(on connection: PostgresConnection) throws -> ClassificationCodes {
        let rows = try connection.query("""
            SELECT 'kind', v::text, hashenumextended(v, 0) FROM unnest(enum_range(NULL::connect_audit.event_kind)) v
            UNION ALL SELECT 'drift', v::text, hashenumextended(v, 0) FROM unnest(enum_range(NULL::connect_audit.drift_class)) v
            UNION ALL SELECT 'severity', v::text, hashenumextended(v, 0) FROM unnest(enum_range(NULL::connect_audit.severity)) v
            """).map { (type: try $0.decode(String.self, at: 0), label: try $0.decode(String.self, at: 1), code: try $0.decode(Int64.self, at: 2)) }
        func codes<Value>(_ type: String, _ value: (String) -> Value?) throws -> [(code: Int64, value: Value)] {
            let labels = rows.filter { $0.type == type }
            guard Set(labels.map(\.code)).count == labels.count else {
                throw StoreError.integrity("two labels of connect_audit.\(type) hash to one number (not expected of 64-bit hashes; please report it)")
            }
            return labels.compactMap { label in value(label.label).map { (label.code, $0) } }
        }
        return ClassificationCodes(
            kinds: try codes("kind", ChangeKind.init(rawValue:)), drifts: try codes("drift", DriftClass.init(rawValue:)),
            severities: try codes("severity", Severity.init(rawValue:)))
    }

    /// The kind, drift and severity sent as `kind`, `drift` and `severity`.
    /// - Throws: `StoreError.integrity` for a number of no label this binary knows.
    package func classification(kind: Int64, drift: Int64, severity: Int64) throws -> (ChangeKind, DriftClass, Severity) {
        // A few labels each: a linear search beats hashing.
        guard let kindValue = kinds.first(where: { $0.code == kind })?.value,
              let driftValue = drifts.first(where: { $0.code == drift })?.value,
              let severityValue = severities.first(where: { $0.code == severity })?.value
        else {
            throw StoreError.integrity("change_events has a kind, drift or severity this connect-audit does not know; update connect-audit")
        }
        return (kindValue, driftValue, severityValue)
    }
}

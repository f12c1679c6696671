import AuditCore

/// The keys of an event of the JSON report, in the order they are written (sorted, as
/// canonical JSON sorts them), and the most bytes each one's fixed text takes: the one
/// table the writer writes from and the room it makes is counted from.
enum JSONEventKey: String, CaseIterable {
    case accountID = "account_id"
    case attribution
    case changedFields = "changed_fields"
    case diff
    case drift
    case holders
    case id
    case kind
    case observedAt = "observed_at"
    case profileKey = "profile_key"
    case profileName = "profile_name"
    case severity

    /// The most bytes of the value's own text that no row's bytes bound: quotes around a
    /// label and the longest label, the brackets of a list, the longest number or time.
    /// Texts held in the rows (key, name, account, diff, field list, attributions) are
    /// bounded by their length, separately.
    var fixedValueBound: Int {
        switch self {
        case .accountID, .profileKey, .profileName, .diff, .changedFields: 0
        case .attribution: 2
        case .drift: 2 + DriftClass.allCases.map(\.rawValue.utf8.count).max()!
        case .kind: 2 + ChangeKind.allCases.map(\.rawValue.utf8.count).max()!
        case .severity: 2 + Severity.allCases.map(\.rawValue.utf8.count).max()!
        case .id, .holders: Int64.min.description.utf8.count
        // Quoted, a year of up to seven characters: "-YYYYYYY-MM-DDTHH:MM:SS.ffffffZ".
        case .observedAt: 2 + 30
        }
    }

    /// The text before the key's value: `{"key":` for the first key, `,"key":` after.
    var prefix: [UInt8] { Array(((self == Self.allCases[0] ? "{" : ",") + "\"\(rawValue)\":").utf8) }

    /// The keys in written order, made once (`allCases` makes its array at each use).
    static let ordered: [JSONEventKey] = allCases

    /// The prefixes, by the key's position in `ordered`.
    static let prefixes: [[UInt8]] = ordered.map(\.prefix)

    /// The most bytes of an event's fixed text: its keys and punctuation, the fixed parts of
    /// its values, the closing brace and the comma before it.
    static let fixedBound = ordered.reduce(0) { $0 + $1.prefix.count + $1.fixedValueBound } + 1 + 1
}

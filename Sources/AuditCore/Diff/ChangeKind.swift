
/// The kinds of change event (DESIGN §3).
package enum ChangeKind: String, CaseIterable, Sendable, Comparable {
    /// The first snapshot that holds an instance: its profiles are discovered, not created.
    case discovered
    case created, modified, touched, deleted, recreated

    /// Declaration order, once: `allCases` builds a new array at every use.
    private static let order = allCases

    /// The position in declaration order (ascending concern).
    package var rank: Int { Self.order.firstIndex(of: self)! }

    package static func < (lhs: ChangeKind, rhs: ChangeKind) -> Bool { lhs.rank < rhs.rank }
}

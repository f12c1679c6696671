
/// How much a change matters, ascending.
package enum Severity: String, CaseIterable, Sendable, Comparable {
    case info, low, medium, high, critical

    /// Declaration order, once: `allCases` builds a new array at every use.
    private static let order = allCases

    /// The position in declaration order (ascending concern).
    package var rank: Int { Self.order.firstIndex(of: self)! }

    package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

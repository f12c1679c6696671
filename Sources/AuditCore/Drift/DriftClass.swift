import ByteKernels

/// Which way a change moved access (DESIGN §4), in ascending order of concern.
package enum DriftClass: String, CaseIterable, Sendable, Comparable {
    case none, narrowed, changed, unobserved, widened

    /// Declaration order, once: `allCases` builds a new array at every use.
    private static let order = allCases

    /// The position in declaration order (ascending concern).
    package var rank: Int { Self.order.firstIndex(of: self)! }

    package static func < (lhs: DriftClass, rhs: DriftClass) -> Bool { lhs.rank < rhs.rank }
}

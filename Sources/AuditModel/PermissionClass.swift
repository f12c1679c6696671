/// What a permission grants, as the drift rules weigh it (DESIGN §4).
package enum PermissionClass: String, CaseIterable, Sendable, Comparable {
    /// Privilege escalation: security profiles, users and their permissions, agent hierarchy.
    case administrative
    /// Customer data: unredacted recordings and transcripts, screen recordings, contact
    /// search, exports, live listen-in and barge-in.
    case sensitive
    /// Takes access away (`Restrict*`): losing one widens access.
    case restrictive
    /// Read-only (`*.View` not in the classes above).
    case readOnly = "read_only"
    /// Everything else the catalog knows; unknown names are weighed as this too.
    case other

    package static func < (lhs: PermissionClass, rhs: PermissionClass) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

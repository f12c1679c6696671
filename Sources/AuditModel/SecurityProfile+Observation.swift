extension SecurityProfile {
    /// An empty record for a reader to fill: no tracked field observed until it is set.
    package static func unread() -> SecurityProfile {
        var profile = SecurityProfile(key: "")
        profile.unobserved = .all
        return profile
    }

    /// This record with each tracked field its source did not carry taken from `previous`
    /// (DESIGN §1: a source that does not carry a field has not observed it, so a DDSQL
    /// night after an AWS night never reads as permissions removed).
    package func carryingForward(from previous: SecurityProfile) -> SecurityProfile {
        guard !unobserved.isEmpty else { return self }
        var out = self
        for field in unobserved {
            switch field {
            case .permissions: out.permissions = previous.permissions
            case .applications: out.applications = previous.applications
            case .granularAccessControl: out.granularAccessControl = previous.granularAccessControl
            default: break
            }
        }
        out.unobserved = TrackedFields()
        return out
    }
}

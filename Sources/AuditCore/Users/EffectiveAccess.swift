import AuditModel

/// What a user may do: the union of the permissions of the profiles they hold, and how it
/// moved. Pure.
package enum EffectiveAccess {
    /// A move of one user's effective permissions: what they gained and lost, each with the
    /// profiles that grant (granted) it, weighed by the drift rules as a profile's
    /// permissions are (`DriftRules.permissionParts`): gaining `SecurityProfiles.Edit` is
    /// widened and critical whether a profile was edited or a profile was assigned.
    package struct Change: Sendable, Equatable {
        package var gained: [(permission: String, via: [String])]
        package var lost: [(permission: String, via: [String])]
        package var drift: DriftClass
        package var severity: Severity

        package static func == (lhs: Change, rhs: Change) -> Bool {
            lhs.gained.map(\.permission) == rhs.gained.map(\.permission) && lhs.gained.map(\.via) == rhs.gained.map(\.via)
                && lhs.lost.map(\.permission) == rhs.lost.map(\.permission) && lhs.lost.map(\.via) == rhs.lost.map(\.via)
                && lhs.drift == rhs.drift && lhs.severity == rhs.severity
        }
    }

    /// Each permission the profiles grant, with the profiles (by key, sorted) granting it.
    package static func grants(_ profiles: [String: [String]]) -> [String: [String]] {
        var grants: [String: [String]] = [:]
        for (profile, permissions) in profiles {
            for permission in Set(permissions) { grants[permission, default: []].append(profile) }
        }
        return grants.mapValues { $0.sorted() }
    }

    /// How a user's access moved from holding `before` to holding `after` (each: profile key
    /// → its permissions at that moment); `nil` when no permission moved (a user moved
    /// between two profiles that grant the same is no change of access).
    package static func change(
        before: [String: [String]], after: [String: [String]], catalog: PermissionCatalog
    ) -> Change? {
        let old = grants(before), new = grants(after)
        let gained = new.keys.filter { old[$0] == nil }.sorted().map { ($0, new[$0] ?? []) }
        let lost = old.keys.filter { new[$0] == nil }.sorted().map { ($0, old[$0] ?? []) }
        guard !gained.isEmpty || !lost.isEmpty else { return nil }
        let (drift, severity) = weigh(gained: gained.map(\.0), lost: lost.map(\.0), catalog: catalog)
        return Change(gained: gained, lost: lost, drift: drift, severity: severity)
    }

    /// The drift and severity of gaining and losing these permissions, as a profile's
    /// permissions are weighed (`DriftRules.permissionParts`).
    package static func weigh(gained: [String], lost: [String], catalog: PermissionCatalog) -> (drift: DriftClass, severity: Severity) {
        let parts = DriftRules.permissionParts(old: lost, new: gained, catalog: catalog)
        return (parts.map(\.drift).max() ?? .none, parts.map(\.severity).max() ?? .info)
    }
}

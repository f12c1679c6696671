import AuditModel
import Foundation

/// What the drift rules weigh a change by: the permission catalog (built-in, merged with
/// the user's policy file) and the policy's profile and field choices (DESIGN §4).
package struct DriftPolicy: Sendable, Equatable {
    /// Permission classes and legacy aliases.
    package var catalog: PermissionCatalog
    /// Profile name patterns (`fnmatch`: `*`, `?`, `[...]`): any widening of these is critical.
    package var criticalProfiles: [String]
    /// Fields whose changes alone are no drift and raise no alert (`description`, `extra.x`).
    package var ignoredFields: Set<String>
    /// Tag keys whose changes alone are no drift and raise no alert (`managed-by`).
    package var ignoredTagKeys: Set<String>

    /// Creates a policy.
    package init(
        catalog: PermissionCatalog = .standard, criticalProfiles: [String] = [], ignoredFields: Set<String> = [],
        ignoredTagKeys: Set<String> = []
    ) {
        self.catalog = catalog
        self.criticalProfiles = criticalProfiles
        self.ignoredFields = ignoredFields
        self.ignoredTagKeys = ignoredTagKeys
    }

    /// The built-in catalog and no choices of the user's.
    package static let standard = DriftPolicy()

    /// Whether a profile of this name is critical: any widening of it is.
    package func isCritical(_ name: String?) -> Bool {
        guard let name else { return false }
        return criticalProfiles.contains { fnmatch($0, name, 0) == 0 }
    }

    /// The tag entries (`key:value`) of `entries` whose key is not ignored.
    func unignoredTags(_ entries: [String]) -> [String] {
        guard !ignoredTagKeys.isEmpty else { return entries }
        return entries.filter { entry in
            let key = entry.firstIndex(of: ":").map { String(entry[..<$0]) } ?? entry
            return !ignoredTagKeys.contains(key)
        }
    }
}

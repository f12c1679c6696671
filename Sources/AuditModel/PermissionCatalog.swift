import Foundation

/// Amazon Connect's permission names as connect-audit reads them: legacy aliases and the
/// administrative permissions, from `Resources/permission-catalog.json` (embedded at build
/// time, readable by users in the repository).
package struct PermissionCatalog: Sendable {
    /// Legacy name → current equivalents.
    package let aliases: [String: [String]]
    /// Names (or dotted prefixes) of administrative permissions.
    package let administrative: [String]

    /// Creates a catalog.
    package init(aliases: [String: [String]], administrative: [String]) {
        self.aliases = aliases
        self.administrative = administrative
    }

    /// The catalog shipped in the binary.
    package static let standard: PermissionCatalog = {
        let bytes = Data(PackageResources.permission_catalog_json)
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let aliases = object["aliases"] as? [String: [String]],
              let administrative = object["administrative"] as? [String]
        else { preconditionFailure("Resources/permission-catalog.json is malformed") }
        return PermissionCatalog(aliases: aliases, administrative: administrative)
    }()

    /// The permissions with every legacy name replaced by its current equivalents.
    package func normalized(_ permissions: [String]) -> Set<String> {
        var out = Set<String>()
        for permission in permissions {
            if let current = aliases[permission] { out.formUnion(current) } else { out.insert(permission) }
        }
        return out
    }

    /// Whether `permission` is administrative (security profiles, users and their
    /// permissions, instance settings, unredacted recordings and transcripts).
    package func isAdministrative(_ permission: String) -> Bool {
        administrative.contains { permission == $0 || permission.hasPrefix($0 + ".") }
    }
}

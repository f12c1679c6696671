import Foundation

/// Amazon Connect's permission names as connect-audit reads them: each documented name's
/// class and the documented legacy equivalences, from `Resources/permission-catalog.json`
/// (embedded at build time; it records its source and date), merged with a policy file's
/// additions.
package struct PermissionCatalog: Sendable, Equatable {
    /// Class of each known name.
    package private(set) var classes: [String: PermissionClass]
    /// Legacy name → current equivalents.
    package private(set) var aliases: [String: [String]]

    /// Creates a catalog.
    package init(classes: [String: PermissionClass], aliases: [String: [String]]) {
        self.classes = classes
        self.aliases = aliases
    }

    /// The catalog shipped in the binary.
    package static let standard: PermissionCatalog = {
        do {
            return try PermissionCatalog(json: Data(PackageResources.permission_catalog_json))
        } catch {
            preconditionFailure("Resources/permission-catalog.json is malformed: \(error)")
        }
    }()

    /// Where the built-in catalog came from: the `title`, `url` and `retrieved` date of its
    /// `source`, for `policy show`.
    package static var standardSource: [String: String] {
        let object = try? JSONSerialization.jsonObject(with: Data(PackageResources.permission_catalog_json)) as? [String: Any]
        let source = object?["source"] as? [String: Any] ?? [:]
        return source.compactMapValues { $0 as? String }
    }

    /// Reads a catalog document: one list of names per class, and `legacy`.
    init(json: Data) throws {
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any],
              let legacy = object["legacy"] as? [String: [String]]
        else { throw CatalogError("expected an object with `legacy` and one list per class") }
        var classes: [String: PermissionClass] = [:]
        for permissionClass in PermissionClass.allCases {
            guard let names = object[permissionClass.rawValue] as? [String] else {
                throw CatalogError("`\(permissionClass.rawValue)` must be a list of names")
            }
            for name in names {
                if let other = classes[name] { throw CatalogError("\(name) is both \(other.rawValue) and \(permissionClass.rawValue)") }
                classes[name] = permissionClass
            }
        }
        self.init(classes: classes, aliases: legacy)
    }

    /// A malformed catalog document.
    struct CatalogError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// This catalog with `names` put in their classes (over the built-in class of a name)
    /// and `aliases` added (over a built-in alias of the same name).
    package func merging(names: [PermissionClass: [String]], aliases extra: [String: [String]]) -> PermissionCatalog {
        var out = self
        for (permissionClass, list) in names {
            for name in list { out.classes[name] = permissionClass }
        }
        out.aliases.merge(extra) { _, new in new }
        return out
    }

    /// The permissions with every legacy name replaced by its current equivalents.
    package func normalized(_ permissions: [String]) -> Set<String> {
        var out = Set<String>()
        for permission in permissions {
            if let current = aliases[permission] { out.formUnion(current) } else { out.insert(permission) }
        }
        return out
    }

    /// The class of a name, or `nil` when the catalog does not know it.
    package func classOf(_ permission: String) -> PermissionClass? {
        classes[permission]
    }

    /// The class the drift rules weigh a name as: unknown names are `other`.
    package func weight(of permission: String) -> PermissionClass {
        classes[permission] ?? .other
    }

    /// Whether the catalog knows the name (a class, or a legacy alias).
    package func knows(_ permission: String) -> Bool {
        classes[permission] != nil || aliases[permission] != nil
    }
}

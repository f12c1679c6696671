import ArgumentParser
import AuditCore
import AuditModel
import Foundation
import Yams

/// Reads a drift policy file (YAML, DESIGN §4) into a `DriftPolicy`: the built-in catalog
/// with the file's names and aliases merged over it, its critical profile patterns and
/// ignored fields and tag keys. Every problem names its line.
package enum PolicyFile {
    /// The policy in `path`.
    static func load(_ path: String) throws -> DriftPolicy {
        try parse(try YAMLFile.contents(of: path, what: "policy file"), file: path)
    }

    /// The sections and keys a policy file may have.
    static let sections: [String: Set<String>] = [
        "permissions": Set(PermissionClass.allCases.map(\.rawValue)).union(["aliases"]),
        "profiles": ["critical"],
        "ignore": ["fields", "tag_keys"],
    ]

    /// Parses a policy file over `base` (the built-in catalog by default).
    package static func parse(_ text: String, file: String, base: PermissionCatalog = .standard) throws(ConfigFileError) -> DriftPolicy {
        guard let root = try YAMLFile.compose(text, file: file) else { return DriftPolicy(catalog: base) }
        guard let top = root.mapping else {
            throw ConfigFileError(file: file, line: root.mark?.line ?? 1, message: "expected a mapping with permissions, profiles and ignore")
        }
        let reader = NodeReader(file: file)
        try reader.allowOnly(Set(sections.keys), in: top, what: "the top level")
        var names: [PermissionClass: [String]] = [:]
        var aliases: [String: [String]] = [:]
        var criticalProfiles: [String] = []
        var ignoredFields: Set<String> = []
        var ignoredTagKeys: Set<String> = []
        if let node = top["permissions"] {
            guard let mapping = node.mapping else { throw reader.error(node, "`permissions` must map classes to lists of names") }
            try reader.allowOnly(sections["permissions"] ?? [], in: mapping, what: "`permissions`")
            var classOf: [String: PermissionClass] = [:]
            for permissionClass in PermissionClass.allCases {
                guard let listNode = mapping[permissionClass.rawValue] else { continue }
                for name in try reader.permissionNames(listNode, "`permissions.\(permissionClass.rawValue)`") {
                    if let other = classOf[name], other != permissionClass {
                        throw reader.error(listNode, "\(name) is listed as both \(other.rawValue) and \(permissionClass.rawValue)")
                    }
                    classOf[name] = permissionClass
                    names[permissionClass, default: []].append(name)
                }
            }
            if let aliasNode = mapping["aliases"] {
                guard let aliasMapping = aliasNode.mapping else {
                    throw reader.error(aliasNode, "`permissions.aliases` must map a legacy name to its current names")
                }
                for (key, value) in aliasMapping {
                    let legacy = try reader.permissionNames(key, "an alias name").first ?? ""
                    let current = try reader.permissionNames(value, "the names of alias \(legacy)")
                    guard !current.isEmpty else { throw reader.error(value, "alias \(legacy) names no current permissions") }
                    aliases[legacy] = current
                }
            }
        }
        if let node = top["profiles"] {
            guard let mapping = node.mapping else { throw reader.error(node, "`profiles` must be a mapping with `critical`") }
            try reader.allowOnly(sections["profiles"] ?? [], in: mapping, what: "`profiles`")
            if let listNode = mapping["critical"] {
                for element in try reader.scalars(listNode, "`profiles.critical`") {
                    let pattern = element.string ?? ""
                    if let problem = NamePattern.problem(in: pattern) {
                        throw reader.error(element, "bad profile name pattern \(pattern): \(problem)")
                    }
                    criticalProfiles.append(pattern)
                }
            }
        }
        if let node = top["ignore"] {
            guard let mapping = node.mapping else { throw reader.error(node, "`ignore` must be a mapping with `fields` and `tag_keys`") }
            try reader.allowOnly(sections["ignore"] ?? [], in: mapping, what: "`ignore`")
            if let listNode = mapping["fields"] {
                for element in try reader.scalars(listNode, "`ignore.fields`") {
                    let field = element.string ?? ""
                    let known = ProfileField(rawValue: field).map { $0 != .key } ?? false
                    guard known || (field.hasPrefix("extra.") && field.count > 6) else {
                        let names = ProfileField.allCases.filter { $0 != .key }.map(\.rawValue).joined(separator: ", ")
                        throw reader.error(element, "unknown field \(field) in `ignore.fields`; expected one of \(names), or extra.NAME")
                    }
                    ignoredFields.insert(field)
                }
            }
            if let listNode = mapping["tag_keys"] {
                for element in try reader.scalars(listNode, "`ignore.tag_keys`") { ignoredTagKeys.insert(element.string ?? "") }
            }
        }
        return DriftPolicy(
            catalog: base.merging(names: names, aliases: aliases), criticalProfiles: criticalProfiles,
            ignoredFields: ignoredFields, ignoredTagKeys: ignoredTagKeys)
    }
}

/// The policy file's own values.
extension NodeReader {
    /// The non-empty text scalars of a list (or one scalar).
    func scalars(_ node: Node, _ what: String) throws(ConfigFileError) -> [Node] {
        let elements = node.sequence.map(Array.init) ?? [node]
        for element in elements {
            guard case .scalar = element, let text = element.string, !text.isEmpty else {
                throw error(element, "\(what) must list non-empty text values")
            }
        }
        return elements
    }

    /// Permission names: text without white space.
    func permissionNames(_ node: Node, _ what: String) throws(ConfigFileError) -> [String] {
        try scalars(node, what).map { element throws(ConfigFileError) in
            let name = element.string ?? ""
            guard !name.contains(where: \.isWhitespace) else { throw error(element, "\(what): \(name) is not a permission name (it has white space)") }
            return name
        }
    }
}

/// The `--policy` option (else `CONNECT_AUDIT_POLICY`), shared by the commands that classify.
struct PolicyOptions: ParsableArguments {
    @Option(help: "Drift policy (YAML): extra permission names per class, aliases, critical profiles, ignored fields; default: $CONNECT_AUDIT_POLICY, else the built-in catalog only.")
    var policy: String?

    /// The policy file named, or none.
    var path: String? {
        policy ?? ProcessInfo.processInfo.environment["CONNECT_AUDIT_POLICY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The policy in force.
    func load() throws -> DriftPolicy {
        try path.map(PolicyFile.load) ?? .standard
    }
}

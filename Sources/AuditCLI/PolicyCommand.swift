import ArgumentParser
import AuditCore
import AuditModel
import Foundation

/// `connect-audit policy show` and `policy check FILE`.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "The permission catalog and drift policy in force.",
        subcommands: [Show.self, Check.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective catalog: the built-in one merged with the policy file.",
            discussion: """
                One line per entry, tab-separated: CLASS NAME for each permission name; alias LEGACY CURRENT,...; \
                critical_profile PATTERN; ignored_field FIELD; ignored_tag_key KEY. --format json prints one object.
                """)

        @OptionGroup var policyOptions: PolicyOptions
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() throws {
            let policy = try policyOptions.load()
            let catalog = policy.catalog
            let source = PermissionCatalog.standardSource
            let names = catalog.classes.keys.sorted()
            switch format {
            case .json:
                var classes: [String: [String]] = [:]
                for permissionClass in PermissionClass.allCases { classes[permissionClass.rawValue] = [] }
                for name in names { classes[catalog.weight(of: name).rawValue, default: []].append(name) }
                let object: [String: Any] = [
                    "source": source, "policy_file": policyOptions.path ?? NSNull(), "classes": classes,
                    "aliases": catalog.aliases, "critical_profiles": policy.criticalProfiles,
                    "ignored_fields": policy.ignoredFields.sorted(), "ignored_tag_keys": policy.ignoredTagKeys.sorted(),
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            case .text:
                print("# built-in catalog: \(source["title"] ?? "?"), \(source["url"] ?? "?"), retrieved \(source["retrieved"] ?? "?")")
                print("# policy file: \(policyOptions.path ?? "none")")
                for permissionClass in PermissionClass.allCases {
                    for name in names where catalog.weight(of: name) == permissionClass { printRow([permissionClass.rawValue, name]) }
                }
                for legacy in catalog.aliases.keys.sorted() {
                    printRow(["alias", legacy, (catalog.aliases[legacy] ?? []).joined(separator: ",")])
                }
                for pattern in policy.criticalProfiles { printRow(["critical_profile", pattern]) }
                for field in policy.ignoredFields.sorted() { printRow(["ignored_field", field]) }
                for key in policy.ignoredTagKeys.sorted() { printRow(["ignored_tag_key", key]) }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file; errors name the line. Exits 0 when it is usable, 1 when not.")

        @Argument(help: "The policy file (YAML).") var file: String

        func run() throws {
            let policy = try PolicyFile.load(file)
            let added = policy.catalog.classes.count - PermissionCatalog.standard.classes.count
            let standard = PermissionCatalog.standard.classes
            let reclassified = policy.catalog.classes.filter { entry in standard[entry.key].map { $0 != entry.value } ?? false }.count
            print("ok: \(file): \(added) permission name(s) added, \(reclassified) reclassified, \(policy.catalog.aliases.count) legacy alias(es) in force, \(policy.criticalProfiles.count) critical profile pattern(s), \(policy.ignoredFields.count) ignored field(s), \(policy.ignoredTagKeys.count) ignored tag key(s)")
        }
    }
}

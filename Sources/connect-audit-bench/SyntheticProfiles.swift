import AuditCore
import AuditModel
import AuditTime
import SnapshotReading
import TestSupport

/// Realistic, reproducible security profiles for benchmarks: several accounts and
/// instances, ARNs, names, descriptions, tags and restrictions shaped like real exports.
enum SyntheticProfiles {
    static let accounts = ["123456789012", "210987654321", "555566667777"]
    static let regions = ["us-east-1", "eu-west-2", "ap-southeast-2"]
    static let roles = ["Agent", "Supervisor", "Quality Analyst", "Admin", "Workforce Manager", "Tier2 Agent", "Back Office"]
    static let teams = ["cx", "sales", "billing", "support", "fraud"]
    static let resources = ["User", "Queue", "RoutingProfile", "ContactFlow", "HoursOfOperation", "Prompt"]

    /// `count` profiles from `seed`; the same arguments always give the same profiles.
    static func generate(count: Int, seed: UInt64) -> [SecurityProfile] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { index in profile(index, &random) }
    }

    static func profile(_ index: Int, _ random: inout SeededRandom) -> SecurityProfile {
        let accountIndex = index % accounts.count
        let account = accounts[accountIndex]
        let region = regions[accountIndex]
        let instance = uuid(UInt64(accountIndex * 2 + index % 2), salt: 0x1a57)
        let id = uuid(UInt64(index), salt: 0x9f0f)
        let arn = "arn:aws:connect:\(region):\(account):instance/\(instance)/security-profile/\(id)"
        let role = roles[Int(random.next() % UInt64(roles.count))]
        let team = teams[Int(random.next() % UInt64(teams.count))]
        let restricted = resources.filter { _ in random.next() % 3 == 0 }
        let allowed = random.next() % 2 == 0 ? ["Department:\(team.capitalized)", "Region:EMEA"] : []
        let lastModified = Instant(microsecondsSinceEpoch: 1_700_000_000_000_000 + Int64(random.next() % 60_000_000_000_000))
        return SecurityProfile(
            key: arn,
            accountID: account,
            allowedAccessControlHierarchyGroupID: random.next() % 4 == 0 ? uuid(random.next() % 50, salt: 0x4e1e) : nil,
            allowedAccessControlTags: allowed,
            arn: arn,
            description: "\(role) profile for the \(team) team, \"tier \(index % 3 + 1)\": may listen to recordings, not download",
            hierarchyRestrictedResources: restricted.isEmpty ? [] : ["User"],
            id: id,
            lastModifiedRegion: region,
            lastModifiedTime: lastModified,
            organizationResourceID: instance,
            securityProfileName: "\(role) – \(team.uppercased()) \(index)",
            tagRestrictedResources: restricted,
            tags: ["team:\(team)", "env:prod", "cost-center:cc-\(1000 + index % 97)"],
            permissions: permissions(role: role, &random))
    }

    /// The built-in catalog's names by class (the admin guide's "List of security profile
    /// permissions", `Resources/permission-catalog.json`), sorted: what `permissions` draws from.
    static let catalog: [PermissionClass: [String]] = Dictionary(
        grouping: PermissionCatalog.standard.classes.keys.sorted(), by: { PermissionCatalog.standard.weight(of: $0) })

    /// A role's permissions: a few for agents, tens for supervisors and administrators
    /// (17.6 a profile on average over 100,000), every name from the catalog. I found no
    /// source for how many a real role holds: these counts are the benchmark's assumption. An
    /// agent starts from `BasicAgentAccess` and `OutboundCallAccess`, the pair in the
    /// example profile of Terraform's `aws_connect_security_profile` documentation
    /// (registry.terraform.io); both names are in the catalog.
    static func permissions(role: String, _ random: inout SeededRandom) -> [String] {
        var chosen: Set<String> = ["BasicAgentAccess"]
        func add(_ permissionClass: PermissionClass, _ range: ClosedRange<Int>) {
            let pool = catalog[permissionClass] ?? []
            let count = range.lowerBound + Int(random.next() % UInt64(range.count))
            for _ in 0..<min(count, pool.count) { chosen.insert(pool[Int(random.next() % UInt64(pool.count))]) }
        }
        switch role {
        case "Agent":
            chosen.insert("OutboundCallAccess")
            add(.readOnly, 2...5)
        case "Tier2 Agent":
            chosen.formUnion(["OutboundCallAccess", "CallRecordings.Redacted.Access"])
            add(.readOnly, 4...8)
        case "Back Office":
            add(.readOnly, 4...10)
            add(.other, 1...3)
        case "Quality Analyst":
            chosen.insert("CallRecordings.Redacted.Access")
            add(.readOnly, 8...16)
            if random.next() % 4 == 0 { add(.sensitive, 1...1) }
        case "Supervisor":
            add(.readOnly, 15...30)
            add(.other, 5...10)
            if random.next() % 2 == 0 { add(.restrictive, 1...1) }
        case "Workforce Manager":
            add(.readOnly, 10...20)
            add(.other, 3...6)
        default:  // Admin
            chosen.formUnion(catalog[.administrative] ?? [])
            add(.readOnly, 10...20)
            add(.other, 10...20)
        }
        return chosen.sorted()
    }

    /// A UUID-shaped identifier derived from a number.
    static func uuid(_ value: UInt64, salt: UInt64) -> String {
        var mixer = SeededRandom(seed: value &* 0x9E37_79B9 &+ salt)
        let a = mixer.next(), b = mixer.next()
        let hex = String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

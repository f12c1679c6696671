/// One Amazon Connect security profile in canonical form (DESIGN §1).
///
/// Canonical form is enforced by the initializers: optional text is `nil` when missing,
/// null or empty; sets are sorted and free of duplicates; instants are UTC microseconds.
/// Two inputs that mean the same profile are equal values with equal `contentHash`.
public struct SecurityProfile: Hashable, Sendable {
    /// `_key`: the identity of the profile (its ARN in every known export).
    public var key: String
    public var accountID: String? { didSet { accountID = accountID.canonicalText } }
    public var allowedAccessControlHierarchyGroupID: String? {
        didSet { allowedAccessControlHierarchyGroupID = allowedAccessControlHierarchyGroupID.canonicalText }
    }
    /// `key:value` strings, sorted (DDSQL's hstore with "= is contains" semantics).
    public var allowedAccessControlTags: [String] { didSet { allowedAccessControlTags.canonicalize() } }
    public var arn: String? { didSet { arn = arn.canonicalText } }
    public var description: String? { didSet { description = description.canonicalText } }
    public var hierarchyRestrictedResources: [String] { didSet { hierarchyRestrictedResources.canonicalize() } }
    public var id: String? { didSet { id = id.canonicalText } }
    public var lastModifiedRegion: String? { didSet { lastModifiedRegion = lastModifiedRegion.canonicalText } }
    public var lastModifiedTime: Instant?
    public var organizationResourceID: String? { didSet { organizationResourceID = organizationResourceID.canonicalText } }
    public var securityProfileName: String? { didSet { securityProfileName = securityProfileName.canonicalText } }
    public var tagRestrictedResources: [String] { didSet { tagRestrictedResources.canonicalize() } }
    /// `key:value` strings, sorted.
    public var tags: [String] { didSet { tags.canonicalize() } }
    /// Permission names, sorted; empty when the export does not carry them.
    public var permissions: [String] { didSet { permissions.canonicalize() } }
    /// Unknown input fields, by name, each as canonical JSON text (never dropped).
    public var extra: [String: String]

    /// Creates a profile, bringing every value to canonical form.
    public init(
        key: String,
        accountID: String? = nil,
        allowedAccessControlHierarchyGroupID: String? = nil,
        allowedAccessControlTags: [String] = [],
        arn: String? = nil,
        description: String? = nil,
        hierarchyRestrictedResources: [String] = [],
        id: String? = nil,
        lastModifiedRegion: String? = nil,
        lastModifiedTime: Instant? = nil,
        organizationResourceID: String? = nil,
        securityProfileName: String? = nil,
        tagRestrictedResources: [String] = [],
        tags: [String] = [],
        permissions: [String] = [],
        extra: [String: String] = [:]
    ) {
        self.key = key
        self.accountID = accountID.canonicalText
        self.allowedAccessControlHierarchyGroupID = allowedAccessControlHierarchyGroupID.canonicalText
        self.allowedAccessControlTags = allowedAccessControlTags.canonicalSet
        self.arn = arn.canonicalText
        self.description = description.canonicalText
        self.hierarchyRestrictedResources = hierarchyRestrictedResources.canonicalSet
        self.id = id.canonicalText
        self.lastModifiedRegion = lastModifiedRegion.canonicalText
        self.lastModifiedTime = lastModifiedTime
        self.organizationResourceID = organizationResourceID.canonicalText
        self.securityProfileName = securityProfileName.canonicalText
        self.tagRestrictedResources = tagRestrictedResources.canonicalSet
        self.tags = tags.canonicalSet
        self.permissions = permissions.canonicalSet
        self.extra = extra
    }

    /// The text of a text field (`nil` for set, instant and key fields).
    public func text(_ field: ProfileField) -> String? {
        switch field {
        case .accountID: return accountID
        case .allowedAccessControlHierarchyGroupID: return allowedAccessControlHierarchyGroupID
        case .arn: return arn
        case .description: return description
        case .id: return id
        case .lastModifiedRegion: return lastModifiedRegion
        case .organizationResourceID: return organizationResourceID
        case .securityProfileName: return securityProfileName
        case .key: return key
        default: return nil
        }
    }

    /// The elements of a set field (empty for the others).
    public func set(_ field: ProfileField) -> [String] {
        switch field {
        case .allowedAccessControlTags: return allowedAccessControlTags
        case .hierarchyRestrictedResources: return hierarchyRestrictedResources
        case .tagRestrictedResources: return tagRestrictedResources
        case .tags: return tags
        case .permissions: return permissions
        default: return []
        }
    }

    /// Sets a text field.
    public mutating func setText(_ value: String?, for field: ProfileField) {
        switch field {
        case .accountID: accountID = value
        case .allowedAccessControlHierarchyGroupID: allowedAccessControlHierarchyGroupID = value
        case .arn: arn = value
        case .description: description = value
        case .id: id = value
        case .lastModifiedRegion: lastModifiedRegion = value
        case .organizationResourceID: organizationResourceID = value
        case .securityProfileName: securityProfileName = value
        case .key: key = value ?? ""
        default: preconditionFailure("\(field.rawValue) is not a text field")
        }
    }

    /// Sets a set field.
    public mutating func setSet(_ value: [String], for field: ProfileField) {
        switch field {
        case .allowedAccessControlTags: allowedAccessControlTags = value
        case .hierarchyRestrictedResources: hierarchyRestrictedResources = value
        case .tagRestrictedResources: tagRestrictedResources = value
        case .tags: tags = value
        case .permissions: permissions = value
        default: preconditionFailure("\(field.rawValue) is not a set field")
        }
    }

    /// The Amazon Connect instance in the ARN (`.../instance/ID/...`), if any.
    public var instanceFromARN: String? {
        guard let arn = arn ?? (key.hasPrefix("arn:") ? key : nil),
              let range = arn.range(of: ":instance/") else { return nil }
        let rest = arn[range.upperBound...]
        let id = rest.prefix { $0 != "/" }
        return id.isEmpty ? nil : String(id)
    }

    /// The account in an ARN (`arn:aws:connect:REGION:ACCOUNT:...`), if any.
    public static func account(fromARN arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[0] == "arn", !parts[4].isEmpty else { return nil }
        return String(parts[4])
    }
}

extension Optional where Wrapped == String {
    /// Missing, null and the empty string are the same: absent.
    var canonicalText: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}

extension Array where Element == String {
    /// Sorted, duplicates removed.
    var canonicalSet: [String] {
        var copy = self
        copy.canonicalize()
        return copy
    }

    /// Sorts and removes duplicates in place; already-canonical arrays are left untouched.
    mutating func canonicalize() {
        var ordered = true
        var index = 1
        while index < count {
            if !(self[index - 1] < self[index]) {
                ordered = false
                break
            }
            index += 1
        }
        if ordered { return }
        sort()
        var write = 1
        for read in 1..<count where self[read] != self[write - 1] {
            self[write] = self[read]
            write += 1
        }
        removeLast(count - write)
    }
}

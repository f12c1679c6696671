/// The fields of a security profile record, by their DDSQL names.
package enum ProfileField: String, CaseIterable, Sendable, Comparable {
    case key = "_key"
    case accountID = "account_id"
    case allowedAccessControlHierarchyGroupID = "allowed_access_control_hierarchy_group_id"
    case allowedAccessControlTags = "allowed_access_control_tags"
    case arn
    case description
    case hierarchyRestrictedResources = "hierarchy_restricted_resources"
    case id
    case lastModifiedRegion = "last_modified_region"
    case lastModifiedTime = "last_modified_time"
    case organizationResourceID = "organization_resource_id"
    case securityProfileName = "security_profile_name"
    case tagRestrictedResources = "tag_restricted_resources"
    case tags
    /// Not in the DDSQL table: what `ListSecurityProfilePermissions` returns, when exported.
    case permissions
    /// Not in the DDSQL table: `ListSecurityProfileApplications`' applications, as a set of
    /// `Namespace:Permission` strings.
    case applications
    /// Not in the DDSQL table: the profile's `GranularAccessControlConfiguration`, as
    /// canonical JSON text.
    case granularAccessControl = "granular_access_control"

    /// How the field's value is read and compared.
    package enum Kind: Sendable {
        case key, text, stringSet, tagSet, instant
    }

    /// How the field's value is read and compared.
    package var kind: Kind {
        switch self {
        case .key: return .key
        case .allowedAccessControlTags, .tags: return .tagSet
        case .hierarchyRestrictedResources, .tagRestrictedResources, .permissions, .applications: return .stringSet
        case .lastModifiedTime: return .instant
        default: return .text
        }
    }

    /// The field for a DDSQL column name, or `nil` for an unknown one (kept in `extra`).
    package init?(columnName: String) {
        self.init(rawValue: columnName)
    }

    /// The AWS API's PascalCase name (`SecurityProfileName`), for the `aws` format.
    package var awsName: String? {
        switch self {
        case .key, .accountID: return nil  // derived from the ARN
        case .allowedAccessControlHierarchyGroupID: return "AllowedAccessControlHierarchyGroupId"
        case .allowedAccessControlTags: return "AllowedAccessControlTags"
        case .arn: return "Arn"
        case .description: return "Description"
        case .hierarchyRestrictedResources: return "HierarchyRestrictedResources"
        case .id: return "Id"
        case .lastModifiedRegion: return "LastModifiedRegion"
        case .lastModifiedTime: return "LastModifiedTime"
        case .organizationResourceID: return "OrganizationResourceId"
        case .securityProfileName: return "SecurityProfileName"
        case .tagRestrictedResources: return "TagRestrictedResources"
        case .tags: return "Tags"
        case .permissions: return "Permissions"
        case .applications: return "Applications"
        case .granularAccessControl: return "GranularAccessControlConfiguration"
        }
    }

    /// The fields a source may not carry at all (DESIGN §1): a record without one has not
    /// observed it, and its previous value is carried forward.
    package static let tracked: [ProfileField] = [.permissions, .applications, .granularAccessControl]

    /// Whether the field is one of `tracked`.
    package var isTracked: Bool { Self.tracked.contains(self) }

    /// The 14 columns of `aws.connect_security_profile`, in the table's order.
    package static let ddsqlColumns: [ProfileField] = allCases.filter { !$0.isTracked }

    package static func < (lhs: ProfileField, rhs: ProfileField) -> Bool { lhs.rawValue < rhs.rawValue }
}

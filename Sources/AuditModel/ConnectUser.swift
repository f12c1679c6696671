import AuditTime

/// An Amazon Connect user as connect-audit keeps it: who the user is and what decides their
/// access, nothing more.
///
/// Fields are those of the Connect API's `User` and `UserSearchSummary` shapes (botocore
/// `connect/2017-08-08/service-2.json`: `Id`, `Arn`, `Username`, `SecurityProfileIds`,
/// `RoutingProfileId`, `HierarchyGroupId`, `LastModifiedTime`) and of Datadog's DDSQL table
/// `aws.connect_user` (Data Directory: `_key`, `account_id`, `arn`, `id`, `username`,
/// `security_profile_ids`, `routing_profile_id`, `hierarchy_group_id`). Personal data
/// (`identity_info`: names, e-mail, mobile; `phone_config`: desk phone number) and the
/// directory identifier are read past and never stored: they decide no access.
package struct ConnectUser: Sendable, Hashable {
    /// `_key` of the DDSQL row, else the user's ARN, else its id: what the history is keyed by.
    package var key: String
    package var username: String?
    package var id: String?
    package var arn: String?
    package var accountID: String?
    /// The security profiles the user holds, by id (at most 10, the API model says), sorted
    /// and without repeats: the access they grant is the union of theirs.
    package var securityProfileIDs: [String]
    package var routingProfileID: String?
    /// The user's agent hierarchy group: profiles that restrict access by hierarchy compare
    /// it (`allowed_access_control_hierarchy_group_id`).
    package var hierarchyGroupID: String?
    package var lastModifiedTime: Instant?

    /// Creates a user, bringing every value to canonical form (Unicode NFC, trimmed, empty
    /// text as absent, the profile ids as a sorted set).
    package init(
        key: String, username: String? = nil, id: String? = nil, arn: String? = nil, accountID: String? = nil,
        securityProfileIDs: [String] = [], routingProfileID: String? = nil, hierarchyGroupID: String? = nil,
        lastModifiedTime: Instant? = nil
    ) {
        self.key = key.canonicalUnicode
        self.username = username.canonicalText
        self.id = id.canonicalText
        self.arn = arn.canonicalText
        self.accountID = accountID.canonicalText ?? arn.flatMap(SecurityProfile.account(fromARN:))
        self.securityProfileIDs = securityProfileIDs.canonicalSet
        self.routingProfileID = routingProfileID.canonicalText
        self.hierarchyGroupID = hierarchyGroupID.canonicalText
        self.lastModifiedTime = lastModifiedTime
    }

    /// A user as stored: its values canonical already (written by the init above), taken
    /// as they are.
    package init(
        storedKey key: String, username: String?, id: String?, arn: String?, accountID: String?, securityProfileIDs: [String],
        routingProfileID: String?, hierarchyGroupID: String?, lastModifiedTime: Instant?
    ) {
        self.key = key
        self.username = username
        self.id = id
        self.arn = arn
        self.accountID = accountID
        self.securityProfileIDs = securityProfileIDs
        self.routingProfileID = routingProfileID
        self.hierarchyGroupID = hierarchyGroupID
        self.lastModifiedTime = lastModifiedTime
    }

    /// The Amazon Connect instance the user belongs to, as a profile's `scopeInstance` finds
    /// its own (the instance in the ARN, else the account): a user's profile ids name
    /// profiles of this instance.
    package var instance: String {
        SecurityProfile.instance(inKey: arn ?? key) ?? accountID ?? "unknown"
    }

    /// SHA-256 (hex) over every stored field but `_key` and `last_modified_time`, tagged and
    /// length-prefixed: equal for equal content, whatever the input's format or order.
    package var contentHash: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: "connect-audit/user/v1".utf8)
        for (name, value) in [
            ("username", username), ("id", id), ("arn", arn), ("account_id", accountID),
            ("routing_profile_id", routingProfileID), ("hierarchy_group_id", hierarchyGroupID),
        ] {
            out.appendChunk(name)
            if let value {
                out.append(1)
                out.appendChunk(value)
            } else {
                out.append(0)
            }
        }
        out.appendChunk("security_profile_ids")
        out.appendLength(securityProfileIDs.count)
        for id in securityProfileIDs { out.appendChunk(id) }
        return SHA256.hex(of: out)
    }
}

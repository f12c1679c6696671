import AuditModel
import AuditTime

/// One CloudTrail record of a write to an Amazon Connect security profile or to a user's
/// access, as kept in `trail_events`.
package struct TrailEvent: Sendable, Equatable {
    package var eventID: String
    package var eventTime: Instant
    /// One of `writes` (a profile's) or `userWrites` (a user's).
    package var eventName: String
    package var region: String?
    package var accountID: String?
    package var instanceID: String
    /// The profile written, for a profile's write; `nil` for a user's.
    package var securityProfileID: String?
    /// The user written, for a user's write; `nil` for a profile's.
    package var userID: String? = nil
    /// `userIdentity.arn`: the role session (`assumed-role/ROLE/SESSION`), user or IAM user.
    package var principalARN: String?
    /// `userIdentity.type`: `AssumedRole`, `IAMUser`, `Root`, `FederatedUser`, `AWSService`, ...
    package var principalType: String?
    /// `userIdentity.sessionContext.sessionIssuer.arn`: the role behind a session.
    package var sessionIssuerARN: String?
    package var sourceIP: String?
    package var userAgent: String?
    /// Set when the call failed (it changed nothing).
    package var errorCode: String?
    /// The whole record, as canonical JSON.
    package var record: String
    /// Where it was read: file and line, for messages.
    package var file = ""
    package var line = 0

    /// The Amazon Connect writes to a security profile that are kept.
    package static let writes: Set<String> = [
        "CreateSecurityProfile", "UpdateSecurityProfile", "DeleteSecurityProfile", "TagResource", "UntagResource",
    ]

    /// The Amazon Connect writes to a user that decide its access (botocore's Connect model:
    /// each names `InstanceId` and `UserId` in its request, `CreateUser` its `UserId` and
    /// `UserArn` in its response).
    package static let userWrites: Set<String> = [
        "CreateUser", "DeleteUser", "UpdateUserSecurityProfiles", "UpdateUserHierarchy", "UpdateUserRoutingProfile",
    ]
}

/// What reading trail files found.
package struct TrailReading: Sendable {
    /// Security-profile and user writes, in input order.
    package var events: [TrailEvent] = []
    /// Read-only calls dropped (`readOnly: true`, or a Describe/List/Get/Search name).
    package var readOnly = 0
    /// Records of other AWS services dropped.
    package var otherServices = 0
    /// Amazon Connect writes to anything but a security profile, dropped.
    package var otherWrites = 0
    /// Failed calls that name no profile (a failed create has no id), dropped.
    package var unresolvedFailures = 0
    /// Records that could not be read: file and position, and why.
    package var problems: [SnapshotIssue] = []
    /// Records stored with a remark (an `eventTime` in the future).
    package var warnings: [SnapshotIssue] = []

    package init() {}

    /// Adds another file's reading.
    package mutating func add(_ other: TrailReading) {
        events += other.events
        readOnly += other.readOnly
        otherServices += other.otherServices
        otherWrites += other.otherWrites
        unresolvedFailures += other.unresolvedFailures
        problems += other.problems
        warnings += other.warnings
    }

    /// Drops records repeated across the input (the same `eventID` and content, as when
    /// the same log file is given twice); a repeated `eventID` with other content is a
    /// problem naming both places: which one is the truth is for a person to decide.
    package mutating func removeRepeats() {
        var first: [String: Int] = [:]
        var kept: [TrailEvent] = []
        var conflicting = Set<Int>()
        for event in events {
            guard let earlier = first[event.eventID] else {
                first[event.eventID] = kept.count
                kept.append(event)
                continue
            }
            let original = kept[earlier]
            guard original.record != event.record else { continue }
            conflicting.insert(earlier)
            problems.append(SnapshotIssue(
                file: event.file, line: event.line, field: "eventID",
                message: "\(event.eventID) is also at \(original.file):\(original.line) with other content; neither is stored"))
        }
        events = kept.enumerated().filter { !conflicting.contains($0.offset) }.map(\.element)
    }
}

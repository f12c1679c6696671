import ArgumentParser
import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading
import TestSupport

/// Writes `samples/`: a week of nightly snapshots of a contact centre (two accounts, three
/// instances) in which every event kind and drift class happens once or more. The files are
/// committed; this command regenerates them.
///
/// Each night's file is the state captured early on its date (`T02:00:00Z`, the demo's
/// `--captured-at`), so its changes and their CloudTrail calls are stamped the day before,
/// between two captures, as a real nightly export sees them: none after its capture.
struct SampleWeek: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "samples", abstract: "Write the demo's week of snapshots.")

    @Option(help: "Output folder.") var out = "samples"
    @Option(help: "The week's CloudTrail log file.") var trail = "examples/sample-week-cloudtrail.json"

    static let prod = "123456789012"
    static let sandbox = "210987654321"
    static let emea = "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d"
    static let us = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
    static let lab = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"

    struct Spec {
        var name: String
        var instance: String
        var account: String
        var tagRestricted: [String] = ["User", "Queue", "RoutingProfile"]
        var allowedTags: [String] = ["Department:Support", "Region:EMEA"]
        var group: String? = "a1b2c3d4-0000-4000-8000-000000000001"
        var permissions: [String] = ["BasicAgentAccess", "OutboundCallAccess"]
        var applications: [String] = []
        var description: String
        var tags: [String] = ["env:prod", "team:cx"]
        var modified: String = "2026-11-10T09:00:00Z"
    }

    static func region(_ instance: String) -> String { instance == us ? "us-east-1" : instance == lab ? "eu-west-2" : "eu-west-1" }

    static func profile(_ spec: Spec) -> SecurityProfile {
        let id = SyntheticProfiles.uuid(UInt64(abs(spec.name.hashValueStable)), salt: 7)
        let arn = "arn:aws:connect:\(region(spec.instance)):\(spec.account):instance/\(spec.instance)/security-profile/\(id)"
        return SecurityProfile(
            key: arn, accountID: spec.account, allowedAccessControlHierarchyGroupID: spec.group,
            allowedAccessControlTags: spec.allowedTags, arn: arn, description: spec.description,
            hierarchyRestrictedResources: spec.group == nil ? [] : ["User"], id: id, lastModifiedRegion: region(spec.instance),
            lastModifiedTime: Instant(parsing: spec.modified), organizationResourceID: spec.instance,
            securityProfileName: spec.name, tagRestrictedResources: spec.tagRestricted, tags: spec.tags,
            permissions: spec.permissions, applications: spec.applications)
    }

    static func monday() -> [String: Spec] {
        var specs: [Spec] = [
            Spec(name: "Admin – EMEA", instance: emea, account: prod, tagRestricted: [], allowedTags: [], group: nil,
                 permissions: ["SecurityProfiles.Edit", "SecurityProfiles.View", "Users.Edit", "Users.EditPermission", "BasicAgentAccess"],
                 description: "Contact centre administrators, EMEA"),
            Spec(name: "Tier1 Agent – EMEA", instance: emea, account: prod, description: "Front-line agents, EMEA: inbound voice and chat"),
            Spec(name: "Tier2 Agent – EMEA", instance: emea, account: prod,
                 permissions: ["BasicAgentAccess", "OutboundCallAccess", "CallRecordings.Redacted.Access"],
                 description: "Agents in EMEA support, \"tier 2\": may listen to recordings, not download"),
            Spec(name: "Supervisor – EMEA", instance: emea, account: prod,
                 permissions: ["BasicAgentAccess", "AccessMetrics.RealTimeMetrics.Access", "RestrictContactAccessByHierarchy.View"],
                 // The week's exports carry applications from Monday on, so Wednesday's gain is one.
                 applications: ["AcmeCRM:CustomerLookup"],
                 description: "Team leads, EMEA"),
            Spec(name: "Temp Contractor – EMEA", instance: emea, account: prod, permissions: ["BasicAgentAccess"],
                 description: "Seasonal contractors, EMEA", tags: ["env:prod", "team:cx", "contract:2026-q4"]),
            Spec(name: "Quality Analyst – EMEA", instance: emea, account: prod,
                 permissions: ["BasicAgentAccess", "ListenCallRecordings", "DownloadCallRecordings"],
                 description: "Quality analysts, legacy permission names"),
            Spec(name: "Tier1 Agent – US", instance: us, account: prod, allowedTags: ["Department:Support", "Region:US"],
                 description: "Front-line agents, US"),
            Spec(name: "Supervisor – US", instance: us, account: prod, allowedTags: ["Department:Support", "Region:US"],
                 group: "a1b2c3d4-0000-4000-8000-000000000002", permissions: ["BasicAgentAccess", "AccessMetrics.RealTimeMetrics.Access"],
                 description: "Team leads, US"),
            Spec(name: "QA Analyst – US", instance: us, account: prod, allowedTags: ["Department:Quality", "Region:US"],
                 permissions: ["BasicAgentAccess", "CallRecordings.Redacted.Access"], description: "Quality reviews, US"),
            Spec(name: "Back Office – US", instance: us, account: prod, tagRestricted: ["User"], allowedTags: ["Department:Billing"],
                 permissions: ["BasicAgentAccess"], description: "Billing back office, no telephony",
                 tags: ["env:prod", "team:billing", "managed-by:terraform"]),
            Spec(name: "Workforce Manager – US", instance: us, account: prod, allowedTags: ["Region:US"],
                 permissions: ["AccessMetrics.RealTimeMetrics.Access", "AccessMetrics.HistoricalMetrics.Access"], description: "Schedules and forecasts"),
            Spec(name: "Sandbox Tester", instance: lab, account: sandbox, tagRestricted: ["User"], allowedTags: ["Env:Lab"],
                 permissions: ["BasicAgentAccess", "OutboundCallAccess"], description: "Test personas for the lab instance",
                 tags: ["env:lab", "team:platform"]),
            Spec(name: "Sandbox Admin", instance: lab, account: sandbox, tagRestricted: [], allowedTags: [], group: nil,
                 permissions: ["SecurityProfiles.Edit", "Users.Edit"], description: "Platform team, lab only", tags: ["env:lab", "team:platform"]),
        ]
        for index in 1...7 {
            specs.append(Spec(name: "Agent Pool \(index) – EMEA", instance: emea, account: prod,
                              description: "Routing pool \(index), EMEA", tags: ["env:prod", "team:cx", "pool:\(index)"]))
        }
        return Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var specs = Self.monday()
        var writes: [SampleTrail.Write] = []
        func write(_ day: String, _ format: SnapshotFormat, _ extension: String, columns: [ProfileField] = ProfileField.allCases) throws {
            let profiles = specs.values.sorted { $0.name < $1.name }.map(Self.profile)
            let path = "\(out)/\(day).\(`extension`)"
            try Data(SnapshotRenderer.render(profiles, as: format, columns: columns)).write(to: URL(fileURLWithPath: path))
            print("wrote \(path): \(profiles.count) profiles")
        }
        try write("2026-11-16", .ndjson, "ndjson")
        // Tuesday: a tag restriction removed (widened/high); a description edited (none/info).
        specs["Tier1 Agent – EMEA"]?.tagRestricted = ["User", "RoutingProfile"]
        specs["Tier1 Agent – EMEA"]?.modified = "2026-11-16T10:12:00Z"
        // alice's call stamped the profile a second later; a Describe at the same moment is a decoy.
        writes.append(.init(eventName: "UpdateSecurityProfile", profile: specs["Tier1 Agent – EMEA"]!, time: "2026-11-16T10:11:59Z", who: "alice"))
        writes.append(.init(eventName: "DescribeSecurityProfile", profile: specs["Tier1 Agent – EMEA"]!, time: "2026-11-16T10:11:59Z", who: "mallory", readOnly: true))
        specs["QA Analyst – US"]?.description = "Quality reviews, US and Canada"
        specs["QA Analyst – US"]?.modified = "2026-11-16T15:40:00Z"
        try write("2026-11-17", .ndjson, "ndjson")
        // Wednesday (AWS API export, with permissions and applications): a break-glass admin
        // appears (critical); a Restrict* permission lost (widened/high); an application
        // permission gained (widened/high).
        specs["Break-glass Admin"] = Spec(
            name: "Break-glass Admin", instance: Self.emea, account: Self.prod, tagRestricted: [], allowedTags: [], group: nil,
            permissions: ["SecurityProfiles.Edit", "Users.EditPermission", "BasicAgentAccess"],
            description: "Emergency access", tags: ["env:prod"], modified: "2026-11-17T23:05:00Z")
        specs["Supervisor – EMEA"]?.permissions.removeAll { $0 == "RestrictContactAccessByHierarchy.View" }
        specs["Supervisor – EMEA"]?.modified = "2026-11-17T08:30:00Z"
        writes.append(.init(eventName: "UpdateSecurityProfile", profile: specs["Supervisor – EMEA"]!, time: "2026-11-17T08:29:58Z", who: "bob"))
        writes.append(.init(eventName: "CreateSecurityProfile", profile: specs["Break-glass Admin"]!, time: "2026-11-17T23:04:59Z", who: "bob"))
        specs["Tier2 Agent – EMEA"]?.applications = ["AcmeCRM:CustomerLookup"]
        specs["Tier2 Agent – EMEA"]?.modified = "2026-11-17T09:15:00Z"
        try write("2026-11-18", .aws, "aws.json")
        // Thursday (DDSQL CSV: no permissions, applications or granular access; they are
        // carried forward, never read as removed): a tag edit that did not move the
        // timestamp; a save without visible change.
        specs["Back Office – US"]?.tags.append("cost-center:cc-2040")
        specs["Workforce Manager – US"]?.modified = "2026-11-18T11:00:00Z"
        try write("2026-11-19", .csv, "csv", columns: ProfileField.ddsqlColumns)
        // Friday: a contractor profile deleted; allowed tags emptied while still tag-restricted
        // (critical); a hierarchy group replaced (changed/medium).
        writes.append(.init(eventName: "DeleteSecurityProfile", profile: specs["Temp Contractor – EMEA"]!, time: "2026-11-19T16:20:00Z", who: "carol"))
        specs["Temp Contractor – EMEA"] = nil
        specs["Tier2 Agent – EMEA"]?.allowedTags = []
        specs["Tier2 Agent – EMEA"]?.modified = "2026-11-19T14:03:27.512Z"
        specs["Supervisor – US"]?.group = "a1b2c3d4-0000-4000-8000-000000000009"
        specs["Supervisor – US"]?.modified = "2026-11-19T16:45:00Z"
        try write("2026-11-20", .ndjson, "ndjson")
        // Saturday: the contractor profile re-created; a console save renamed legacy permissions
        // to their documented equivalents (no drift); the lab tester lost its hierarchy
        // restriction (widened/high).
        specs["Temp Contractor – EMEA"] = Spec(
            name: "Temp Contractor – EMEA", instance: Self.emea, account: Self.prod, permissions: ["BasicAgentAccess"],
            description: "Seasonal contractors, EMEA (re-created)", tags: ["env:prod", "team:cx", "contract:2027-q1"],
            modified: "2026-11-20T09:00:00Z")
        specs["Quality Analyst – EMEA"]?.permissions = [
            "BasicAgentAccess", "CallRecordings.Unredacted.Access", "ContactTranscripts.Unredacted.Access",
            "CallRecordings.Unredacted.DownloadButton", "CallRecordings.Redacted.DownloadButton",
            "ContactTranscripts.Unredacted.DownloadButton",
        ]
        specs["Quality Analyst – EMEA"]?.modified = "2026-11-20T10:00:00Z"
        specs["Sandbox Tester"]?.group = nil
        specs["Sandbox Tester"]?.modified = "2026-11-20T12:00:00Z"
        // Two writes between the snapshots and none at the stamp: ambiguous.
        writes.append(.init(eventName: "UpdateSecurityProfile", profile: specs["Sandbox Tester"]!, time: "2026-11-20T09:00:00Z", who: "dave"))
        writes.append(.init(eventName: "TagResource", profile: specs["Sandbox Tester"]!, time: "2026-11-20T09:05:00Z", who: "erin"))
        try write("2026-11-21", .ndjson, "ndjson")
        // Sunday: the restriction put back (narrowed/low); a Restrict* permission gained back
        // (narrowed/low); a read-only permission gained (widened/medium); a change only in the
        // `managed-by` tag (ignored by the example policy: info, no alert); and a stale row: a
        // replica exported an older Admin profile (warning, no change).
        specs["Tier1 Agent – EMEA"]?.tagRestricted = ["User", "Queue", "RoutingProfile"]
        specs["Tier1 Agent – EMEA"]?.modified = "2026-11-21T08:00:00Z"
        specs["Supervisor – EMEA"]?.permissions.append("RestrictContactAccessByHierarchy.View")
        specs["Supervisor – EMEA"]?.modified = "2026-11-21T09:00:00Z"
        specs["Workforce Manager – US"]?.permissions.append("Scheduling.View")
        specs["Workforce Manager – US"]?.modified = "2026-11-21T10:30:00Z"
        specs["Back Office – US"]?.tags = ["env:prod", "team:billing", "managed-by:terraform-cloud", "cost-center:cc-2040"]
        specs["Back Office – US"]?.modified = "2026-11-21T11:00:00Z"
        specs["Admin – EMEA"]?.description = "Contact centre administrators (old replica)"
        specs["Admin – EMEA"]?.modified = "2026-11-01T00:00:00Z"
        try write("2026-11-22", .ndjson, "ndjson")
        try SampleTrail.logFile(writes).write(to: URL(fileURLWithPath: trail))
        print("wrote \(trail): \(writes.count) CloudTrail records")
    }
}

extension String {
    /// A hash that is the same in every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash >> 1)
    }
}

import AuditCore
import AuditModel
import AuditTime
import SnapshotReading
import Testing

@Suite("drift rules, row by row of DESIGN §4")
struct DriftRulesTests {
    typealias F = DiffFixture

    private func classify(_ old: SecurityProfile, _ new: SecurityProfile, kind: ChangeKind = .modified) -> (DriftClass, Severity) {
        let result = DriftRules.classify(kind: kind, old: old, new: new, diff: ProfileDiff.between(old, new))
        return (result.drift, result.severity)
    }

    @Test("an entry removed from tag- or hierarchy-restricted resources is widened/high")
    func restrictionRemoved() {
        #expect(classify(F.profile("p", tagRestricted: ["User", "Queue"]), F.profile("p", tagRestricted: ["User"])) == (.widened, .high))
        var old = F.profile("p"), new = F.profile("p")
        old.hierarchyRestrictedResources = ["User"]
        new.hierarchyRestrictedResources = []
        #expect(classify(old, new) == (.widened, .high))
    }

    @Test("allowed access control tags: an entry lost is high; emptied while still tag-restricted is critical")
    func allowedTagsLost() {
        #expect(classify(F.profile("p", allowedTags: ["Region:EMEA", "Dept:Sales"]), F.profile("p", allowedTags: ["Region:EMEA"])) == (.widened, .high))
        #expect(classify(F.profile("p", allowedTags: ["Region:EMEA"]), F.profile("p", allowedTags: [])) == (.widened, .critical))
        #expect(classify(F.profile("p", tagRestricted: [], allowedTags: ["Region:EMEA"]), F.profile("p", tagRestricted: [], allowedTags: [])) == (.widened, .high))
    }

    @Test("hierarchy group removed is widened/high, replaced is changed/medium")
    func hierarchyGroup() {
        #expect(classify(F.profile("p", group: "g-1"), F.profile("p", group: nil)) == (.widened, .high))
        #expect(classify(F.profile("p", group: "g-1"), F.profile("p", group: "g-2")) == (.changed, .medium))
    }

    @Test("a permission gained is widened/high; an administrative one is critical")
    func permissionGained() {
        #expect(classify(F.profile("p", permissions: ["BasicAgentAccess"]), F.profile("p", permissions: ["BasicAgentAccess", "OutboundCallAccess"])) == (.widened, .high))
        #expect(classify(F.profile("p", permissions: ["BasicAgentAccess"]), F.profile("p", permissions: ["BasicAgentAccess", "SecurityProfiles.Edit"])) == (.widened, .critical))
        #expect(classify(F.profile("p", permissions: []), F.profile("p", permissions: ["Users.EditPermission"])) == (.widened, .critical))
    }

    @Test("a console rename to equivalent permissions is no drift; a real addition beside it is")
    func aliases() {
        let legacy = F.profile("p", permissions: ["BasicAgentAccess", "ListenCallRecordings"])
        let renamed = F.profile("p", permissions: ["BasicAgentAccess", "CallRecordings.Unredacted.Access", "ContactTranscripts.Unredacted.Access"])
        #expect(classify(legacy, renamed) == (.none, .info))
        var added = renamed
        added.permissions.append("OutboundCallAccess")
        #expect(classify(legacy, added) == (.widened, .high))
        #expect(PermissionCatalog.standard.normalized(["ListenCallRecordings"]) == ["CallRecordings.Unredacted.Access", "ContactTranscripts.Unredacted.Access"])
    }

    @Test("restrictions added and permissions removed are narrowed/low")
    func narrowed() {
        #expect(classify(F.profile("p", tagRestricted: ["User"]), F.profile("p", tagRestricted: ["User", "Queue"])) == (.narrowed, .low))
        #expect(classify(F.profile("p", permissions: ["A", "B"]), F.profile("p", permissions: ["A"])) == (.narrowed, .low))
        #expect(classify(F.profile("p", allowedTags: []), F.profile("p", allowedTags: ["Region:EMEA"])) == (.narrowed, .low))
    }

    @Test("touched is unobserved/medium, created widened/medium, deleted narrowed/low")
    func kinds() {
        let p = F.profile("p")
        #expect(DriftRules.classify(kind: .touched, old: p, new: p, diff: ProfileDiff()) == (.unobserved, .medium))
        #expect(DriftRules.classify(kind: .created, old: nil, new: p, diff: ProfileDiff.between(nil, p)) == (.widened, .medium))
        #expect(DriftRules.classify(kind: .deleted, old: p, new: nil, diff: ProfileDiff()) == (.narrowed, .low))
        let admin = F.profile("admin", permissions: ["SecurityProfiles.Edit"])
        #expect(DriftRules.classify(kind: .created, old: nil, new: admin, diff: ProfileDiff.between(nil, admin)) == (.widened, .critical))
    }

    @Test("name, description, tags and region only: none/info")
    func cosmetic() {
        var new = F.profile("p", description: "new words", tags: ["team:other"])
        new.securityProfileName = "Renamed"
        new.lastModifiedRegion = "eu-west-2"
        #expect(classify(F.profile("p"), new) == (.none, .info))
    }

    @Test("an event's severity is the highest of its parts")
    func highestPart() {
        let old = F.profile("p", tagRestricted: ["User"], group: "g-1", permissions: ["A"])
        let new = F.profile("p", tagRestricted: ["User", "Queue"], group: "g-2", permissions: ["A", "Users.Edit"])
        #expect(classify(old, new) == (.widened, .critical))
    }
}

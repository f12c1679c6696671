import AuditCore
import AuditModel
import AuditTime
import SnapshotReading
import Testing

@Suite("the real permission model: catalog classes, legacy names, applications, granular access, policy")
struct PermissionDriftTests {
    typealias F = DiffFixture

    private func classify(
        _ old: SecurityProfile, _ new: SecurityProfile, policy: DriftPolicy = .standard
    ) -> (DriftClass, Severity) {
        let result = DriftRules.classify(kind: .modified, old: old, new: new, diff: ProfileDiff.between(old, new), policy: policy)
        return (result.drift, result.severity)
    }

    private func permissions(_ before: [String], _ after: [String], policy: DriftPolicy = .standard) -> (DriftClass, Severity) {
        classify(F.profile("p", permissions: before), F.profile("p", permissions: after), policy: policy)
    }

    @Test("the catalog: documented names only, one class each, legacy names map to known names")
    func catalog() {
        let catalog = PermissionCatalog.standard
        // Names an earlier catalog invented: none is a documented API name.
        for invented in ["RealTimeMetrics.Access", "HistoricalMetrics.Access", "AgentHierarchy.Edit", "Instance",
                         "InstanceSettings", "TelephonyConfiguration", "CallRecordings.Unredacted.Download"] {
            #expect(!catalog.knows(invented), "\(invented) is not a documented permission")
        }
        // AccessMetrics is a current permission, not a legacy one.
        #expect(catalog.aliases["AccessMetrics"] == nil)
        #expect(catalog.classOf("AccessMetrics") == .other)
        #expect(Set(catalog.aliases.keys) == ["ListenCallRecordings", "DownloadCallRecordings", "RedactedData.View"])
        for (legacy, current) in catalog.aliases {
            for name in current { #expect(catalog.classOf(name) != nil, "\(legacy) -> \(name) is not in the catalog") }
        }
        #expect(catalog.classes.count > 250)
        for (name, permissionClass) in catalog.classes where permissionClass == .restrictive {
            #expect(name.hasPrefix("Restrict"))
        }
        for (name, permissionClass) in catalog.classes where permissionClass == .readOnly {
            #expect(name.hasSuffix(".View"))
        }
    }

    /// One real name per class: what gaining it and losing it is.
    static let classTable: [(name: String, expected: PermissionClass?, gained: DriftClass, gainedSeverity: Severity, lost: DriftClass, lostSeverity: Severity)] = [
        ("SecurityProfiles.Edit", .administrative, .widened, .critical, .narrowed, .low),
        ("Users.EditPermission", .administrative, .widened, .critical, .narrowed, .low),
        ("AgentGrouping.Edit", .administrative, .widened, .critical, .narrowed, .low),
        ("CallRecordings.Unredacted.DownloadButton", .sensitive, .widened, .critical, .narrowed, .low),
        ("ScreenRecording.Access", .sensitive, .widened, .critical, .narrowed, .low),
        ("ContactSearch.View", .sensitive, .widened, .critical, .narrowed, .low),
        ("ManagerListenIn", .sensitive, .widened, .critical, .narrowed, .low),
        ("CustomerProfiles.Segments.Export", .sensitive, .widened, .critical, .narrowed, .low),
        ("RestrictContactAccessByHierarchy.View", .restrictive, .narrowed, .low, .widened, .high),
        ("RestrictTaskCreation.Access", .restrictive, .narrowed, .low, .widened, .high),
        ("SecurityProfiles.View", .readOnly, .widened, .medium, .narrowed, .low),
        ("Users.View", .readOnly, .widened, .medium, .narrowed, .low),
        ("Prompts.Edit", .other, .widened, .high, .narrowed, .low),
        ("CallRecordings.Redacted.Access", .other, .widened, .high, .narrowed, .low),
        ("AccessMetrics", .other, .widened, .high, .narrowed, .low),
        ("AcmeCorp.NotDocumented", nil, .widened, .high, .narrowed, .low),
    ]

    @Test("each documented class, gained and lost, with real names", arguments: classTable.indices)
    func classes(_ index: Int) {
        let row = Self.classTable[index]
        #expect(PermissionCatalog.standard.classOf(row.name) == row.expected)
        #expect(permissions(["BasicAgentAccess"], ["BasicAgentAccess", row.name]) == (row.gained, row.gainedSeverity), "gaining \(row.name)")
        #expect(permissions(["BasicAgentAccess", row.name], ["BasicAgentAccess"]) == (row.lost, row.lostSeverity), "losing \(row.name)")
    }

    @Test("the three documented legacy migrations are no drift; a real gain beside one still is")
    func legacy() {
        #expect(permissions(["ListenCallRecordings"], ["CallRecordings.Unredacted.Access", "ContactTranscripts.Unredacted.Access"]) == (.none, .info))
        #expect(permissions(
            ["DownloadCallRecordings"],
            ["CallRecordings.Unredacted.DownloadButton", "CallRecordings.Redacted.DownloadButton", "ContactTranscripts.Unredacted.DownloadButton"]) == (.none, .info))
        #expect(permissions(["RedactedData.View"], ["CallRecordings.Redacted.Access", "ContactTranscripts.Redacted.Access"]) == (.none, .info))
        #expect(permissions(["RedactedData.View"], ["CallRecordings.Redacted.Access", "ContactTranscripts.Unredacted.Access"]) == (.widened, .critical))
        // Gaining a legacy name is gaining what it stands for.
        #expect(permissions([], ["ListenCallRecordings"]) == (.widened, .critical))
    }

    @Test("applications: a gained permission is widened/high, a removed one narrowed/low, order is no change")
    func applications() {
        var old = F.profile("p")
        old.applications = ["AcmeCRM:Lookup"]
        var new = old
        new.applications = ["AcmeCRM:Lookup", "AcmeCRM:Export"]
        #expect(classify(old, new) == (.widened, .high))
        #expect(classify(new, old) == (.narrowed, .low))
        var reordered = F.profile("p")
        reordered.applications = ["AcmeCRM:Export", "AcmeCRM:Lookup", "AcmeCRM:Export"]
        #expect(reordered.contentHash == new.contentHash)
        #expect(ProfileDiff.between(new, reordered).isEmpty)
    }

    @Test("granular access: removed or allowing more is widened/high, added or allowing less narrowed/low")
    func granular() {
        func config(_ values: [String]) -> String {
            let list = values.map { "\"\($0)\"" }.joined(separator: ",")
            return #"{"DataTableAccessControlConfiguration":{"PrimaryAttributeAccessControlConfiguration":{"PrimaryAttributeValues":[{"AccessType":"ALLOW","AttributeName":"Region","Values":["#
                + list + "]}]}}}"
        }
        func profile(_ text: String?) -> SecurityProfile {
            var profile = F.profile("p")
            profile.granularAccessControl = text
            return profile
        }
        #expect(classify(profile(config(["EMEA"])), profile(nil)) == (.widened, .high))
        #expect(classify(profile(nil), profile(config(["EMEA"]))) == (.narrowed, .low))
        #expect(classify(profile(config(["EMEA"])), profile(config(["EMEA", "US"]))) == (.widened, .high))
        #expect(classify(profile(config(["EMEA", "US"])), profile(config(["EMEA"]))) == (.narrowed, .low))
        #expect(classify(profile(config(["EMEA"])), profile(#"{"SomethingNew":{}}"#)) == (.changed, .medium))
    }

    @Test("an unknown permission is weighed as other and named once per snapshot")
    func unknownPermission() throws {
        let before = [F.profile("a"), F.profile("b"), F.profile("c")]
        var next = before
        next[0].permissions = ["BasicAgentAccess", "AcmeCorp.Thing"]
        next[1].permissions = ["BasicAgentAccess", "AcmeCorp.Thing"]
        next[0].lastModifiedTime = Instant(microsecondsSinceEpoch: 2_000_000_000)
        next[1].lastModifiedTime = Instant(microsecondsSinceEpoch: 2_000_000_000)
        let changes = Differ.diff(F.snapshot(next), state: F.state(before))
        let warnings = changes.warnings.filter { $0.kind == "unknown_permission" }
        try #require(warnings.count == 1)
        #expect(warnings[0].detail.contains("AcmeCorp.Thing"))
        #expect(warnings[0].detail.contains("2 profile(s)"))
        #expect(changes.events.allSatisfy { $0.drift == .widened && $0.severity == .high })
        // Under a policy that names it, no warning and its class decides.
        let policy = DriftPolicy(catalog: PermissionCatalog.standard.merging(names: [.readOnly: ["AcmeCorp.Thing"]], aliases: [:]))
        let classified = Differ.diff(F.snapshot(next), state: F.state(before), policy: policy)
        #expect(classified.warnings.isEmpty)
        #expect(classified.events.allSatisfy { $0.severity == .medium })
    }

    @Test("a DDSQL night after an AWS night: permissions, applications and granular access are carried, never removed")
    func ddsqlAfterAWS() throws {
        var aws = F.profile("p", permissions: ["BasicAgentAccess", "SecurityProfiles.Edit"])
        aws.applications = ["AcmeCRM:Lookup"]
        aws.granularAccessControl = #"{"DataTableAccessControlConfiguration":{}}"#
        // The same profile as DDSQL exports it: no permissions, applications or granular access.
        var ddsql = SecurityProfile.unread()
        for field in ProfileField.ddsqlColumns {
            switch field.kind {
            case .key: ddsql.key = aws.key
            case .text: ddsql.setText(aws.text(field), for: field)
            case .stringSet, .tagSet: ddsql.setSet(aws.set(field), for: field)
            case .instant: ddsql.lastModifiedTime = aws.lastModifiedTime
            }
        }
        #expect(ddsql.unobserved == .all && Array(ddsql.unobserved) == ProfileField.tracked)
        let same = Differ.diff(F.snapshot([ddsql]), state: F.state([aws]))
        #expect(same.events.isEmpty)
        #expect(same.unchanged == 1)
        // A real change on the DDSQL night: a field diff without the permissions.
        ddsql.description = "edited"
        let edited = Differ.diff(F.snapshot([ddsql]), state: F.state([aws]))
        let event = try #require(edited.events.first)
        #expect(event.changedFields == ["description"])
        #expect((event.drift, event.severity) == (.none, .info))
        #expect(edited.newVersions.first?.profile.permissions == aws.permissions)
        #expect(edited.newVersions.first?.profile.applications == aws.applications)
        #expect(edited.newVersions.first?.contentHash == edited.newVersions.first?.profile.contentHash)
    }

    @Test("policy: names per class, aliases, critical profiles, ignored fields and tag keys")
    func policySections() {
        let catalog = PermissionCatalog.standard.merging(
            names: [.administrative: ["AcmeCorp.Admin"], .sensitive: ["AcmeCorp.Export"], .restrictive: ["AcmeCorp.RestrictExports"]],
            aliases: ["OldName": ["New.One", "New.Two"]])
        let policy = DriftPolicy(
            catalog: catalog, criticalProfiles: ["Break-glass*", "*Admin*"], ignoredFields: ["description"], ignoredTagKeys: ["managed-by"])
        #expect(permissions([], ["AcmeCorp.Admin"], policy: policy) == (.widened, .critical))
        #expect(permissions([], ["AcmeCorp.Export"], policy: policy) == (.widened, .critical))
        #expect(permissions(["AcmeCorp.RestrictExports"], [], policy: policy) == (.widened, .high))
        #expect(permissions(["OldName"], ["New.One", "New.Two"], policy: policy) == (.none, .info))
        // A critical profile: any widening is critical; narrowing stays low.
        let glass = F.profile("Break-glass Admin", permissions: ["BasicAgentAccess"])
        let gained = F.profile("Break-glass Admin", permissions: ["BasicAgentAccess", "Prompts.Edit"])
        #expect(classify(glass, gained) == (.widened, .high))
        #expect(classify(glass, gained, policy: policy) == (.widened, .critical))
        #expect(classify(gained, glass, policy: policy) == (.narrowed, .low))
        // Ignored fields and tag keys: no drift, and the event is marked for no alert.
        let tagged = F.profile("p", tags: ["team:cx", "managed-by:terraform"])
        let retagged = F.profile("p", tags: ["team:cx", "managed-by:cdk"])
        let tagDiff = ProfileDiff.between(tagged, retagged)
        #expect(DriftRules.isIgnored(kind: .modified, diff: tagDiff, policy: policy))
        #expect(!DriftRules.isIgnored(kind: .modified, diff: tagDiff, policy: .standard))
        let otherTag = ProfileDiff.between(tagged, F.profile("p", tags: ["team:ops", "managed-by:terraform"]))
        #expect(!DriftRules.isIgnored(kind: .modified, diff: otherTag, policy: policy))
        var described = F.profile("p", tagRestricted: ["User", "Queue"])
        described.description = "new words"
        #expect(DriftRules.isIgnored(kind: .modified, diff: ProfileDiff.between(F.profile("p", tagRestricted: ["User", "Queue"]), described), policy: policy))
        // An ignored field beside a real change is no excuse.
        #expect(!DriftRules.isIgnored(kind: .modified, diff: ProfileDiff.between(F.profile("p", tagRestricted: ["User", "Queue"]), { var p = described; p.tagRestrictedResources = ["User"]; return p }()), policy: policy))
    }

    @Test("profile name patterns are checked before use")
    func patterns() {
        #expect(NamePattern.problem(in: "Break-glass*") == nil)
        #expect(NamePattern.problem(in: "[A-Z]*Admin") == nil)
        #expect(NamePattern.problem(in: "[]x]") == nil)
        #expect(NamePattern.problem(in: "[abc") != nil)
        #expect(NamePattern.problem(in: "[]") != nil)
        #expect(NamePattern.problem(in: "") != nil)
        #expect(NamePattern.problem(in: "trailing\\") != nil)
    }
}

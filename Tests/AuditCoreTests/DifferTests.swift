import AuditCore
import AuditModel
import AuditTime
import Foundation
import PropertyBased
import SnapshotReading
import TestSupport
import Testing

/// Builds snapshots and states for the diff tests.
enum DiffFixture {
    static let instanceA = "11111111-aaaa-4aaa-8aaa-000000000001"
    static let instanceB = "22222222-bbbb-4bbb-8bbb-000000000002"

    static func profile(
        _ name: String, instance: String = instanceA, account: String = "123456789012",
        time: Int64? = 1_000, description: String? = nil, tagRestricted: [String] = ["User"],
        allowedTags: [String] = ["Region:EMEA"], group: String? = "g-1", permissions: [String] = ["BasicAgentAccess"],
        tags: [String] = ["team:cx"]
    ) -> SecurityProfile {
        let arn = "arn:aws:connect:us-east-1:\(account):instance/\(instance)/security-profile/\(name)"
        return SecurityProfile(
            key: arn, accountID: account, allowedAccessControlHierarchyGroupID: group,
            allowedAccessControlTags: allowedTags, arn: arn, description: description,
            lastModifiedTime: time.map { Instant(microsecondsSinceEpoch: $0 * 1_000_000) },
            organizationResourceID: instance, securityProfileName: name, tagRestrictedResources: tagRestricted,
            tags: tags, permissions: permissions)
    }

    static func snapshot(_ profiles: [SecurityProfile]) -> Snapshot {
        Snapshot(records: profiles.enumerated().map { ParsedRecord(profile: $1, file: "s.ndjson", line: $0 + 1) })
    }

    static func state(_ profiles: [SecurityProfile], version: Int = 1) -> [String: StoredVersion] {
        Dictionary(uniqueKeysWithValues: profiles.map { ($0.key, StoredVersion(version: version, profile: $0)) })
    }
}

@Suite("the diff, row by row of DESIGN §3")
struct DifferTests {
    @Test("a new key of an instance no snapshot held is discovered (none/info); of a known instance, created")
    func discovered() throws {
        let known = F.profile("k1", instance: F.instanceA)
        let newInKnown = F.profile("k2", instance: F.instanceA)
        let newInstance = F.profile("k3", instance: F.instanceB)
        let changes = Differ.diff(
            F.snapshot([known, newInKnown, newInstance]), state: F.state([known]), knownInstances: [F.instanceA])
        let kinds = Dictionary(uniqueKeysWithValues: changes.events.map { ($0.key, $0.kind) })
        #expect(kinds == [newInKnown.key: .created, newInstance.key: .discovered])
        let found = try #require(changes.events.first { $0.kind == .discovered })
        #expect((found.drift, found.severity) == (.none, .info))
        #expect(found.toVersion == 1 && found.fromVersion == nil)
        // An alert rule matches a discovered profile only when it names the kind.
        let subject = AlertSubject(kind: .discovered, drift: .none, severity: .info, accountID: nil, profileName: "k3", changedFields: [])
        let everything = AlertRule(name: "all", kinds: nil, drift: nil, minSeverity: .info, accounts: nil, profileName: nil, changedFields: nil, channels: ["c"])
        var named = everything
        named.kinds = [.discovered]
        let rules = AlertRules(channels: ["c": AlertChannel(name: "c", kind: .stdout)], rules: [everything])
        #expect(rules.matches(subject).isEmpty)
        #expect(AlertRules(channels: rules.channels, rules: [named]).matches(subject).count == 1)
    }

    @Test("discoveries are counted by instance and account, each with its first key; an ARN without an instance, by its account; no account, by its key")
    func discoveriesCounted() {
        var other = F.profile("x", instance: F.instanceA, account: "999999999999")
        other.key = "plain-key-without-arn"
        var orphan = F.profile("y")
        orphan.key = "arn:aws:connect:us-east-1:123456789012:no-instance-here"
        orphan.accountID = nil
        // Right after a1 and a2 in key order, of their instance, of another account.
        var moved = F.profile("a3")
        moved.accountID = "210987654321"
        let profiles = [
            F.profile("b2", instance: F.instanceB), F.profile("a1"), F.profile("b1", instance: F.instanceB), F.profile("a2"),
            moved, other, orphan,
        ]
        let changes = Differ.diff(F.snapshot(profiles), state: [:], knownInstances: [])
        let groups = changes.discoveries.groups.map { "\($0.instance) \($0.accountID ?? "-") \($0.profiles) \($0.firstKey)" }
        func arn(_ name: String, _ instance: String) -> String {
            "arn:aws:connect:us-east-1:123456789012:instance/\(instance)/security-profile/\(name)"
        }
        // In key order of their first profiles.
        #expect(groups == [
            "\(F.instanceA) 123456789012 2 \(arn("a1", F.instanceA))",
            "\(F.instanceA) 210987654321 1 \(arn("a3", F.instanceA))",
            "\(F.instanceB) 123456789012 2 \(arn("b1", F.instanceB))",
            "\(orphan.key) - 1 \(orphan.key)",
            "999999999999 999999999999 1 plain-key-without-arn",
        ])
        #expect(changes.discoveries.groups.map(\.profiles).reduce(0, +) == changes.count(.discovered))
        // Of a known instance, nothing is discovered.
        #expect(Differ.diff(F.snapshot(profiles), state: [:], knownInstances: nil).discoveries.groups.isEmpty)
    }

    typealias F = DiffFixture

    @Test("a key never seen is created, version 1, widened/medium")
    func created() {
        let changes = Differ.diff(F.snapshot([F.profile("p1")]), state: [:])
        #expect(changes.events.map(\.kind) == [.created])
        #expect(changes.events[0].toVersion == 1 && changes.events[0].fromVersion == nil)
        #expect(changes.events[0].drift == .widened && changes.events[0].severity == .medium)
        #expect(changes.newVersions.map(\.version) == [1])
        #expect(changes.closedVersions.isEmpty)
    }

    @Test("a key seen before and deleted is recreated at the next version, diffed against the last")
    func recreated() {
        let old = F.profile("p1", description: "before")
        let new = F.profile("p1", time: 2_000, description: "after")
        let changes = Differ.diff(F.snapshot([new]), state: [:], deleted: [old.key: StoredVersion(version: 3, profile: old)])
        #expect(changes.events.map(\.kind) == [.recreated])
        #expect(changes.events[0].fromVersion == 3 && changes.events[0].toVersion == 4)
        #expect(changes.events[0].changedFields == ["description", "last_modified_time"])
        #expect(changes.newVersions.map(\.version) == [4])
    }

    @Test("same content and same last_modified_time: nothing")
    func unchanged() {
        let p = F.profile("p1")
        let changes = Differ.diff(F.snapshot([p]), state: F.state([p]))
        #expect(changes.events.isEmpty && changes.newVersions.isEmpty && changes.closedVersions.isEmpty)
        #expect(changes.unchanged == 1)
    }

    @Test("different content, newer timestamp: modified with a field diff that lists the timestamp")
    func modified() {
        let old = F.profile("p1", description: "a")
        let new = F.profile("p1", time: 2_000, description: "b")
        let changes = Differ.diff(F.snapshot([new]), state: F.state([old], version: 2))
        let event = changes.events[0]
        #expect(event.kind == .modified && event.timestampChanged)
        #expect(event.fromVersion == 2 && event.toVersion == 3)
        #expect(event.changedFields == ["description", "last_modified_time"])
        #expect(event.diff.changes["description"] == .text(from: "a", to: "b"))
        #expect(changes.closedVersions == [old.key: 2])
        #expect(event.drift == DriftClass.none && event.severity == .info)
    }

    @Test("different content, same timestamp (or none): modified with timestamp_changed = false")
    func modifiedWithoutTimestamp() {
        for time in [Int64(1_000), nil] {
            let old = F.profile("p1", time: time, tags: ["team:cx"])
            let new = F.profile("p1", time: time, tags: ["team:cx", "owner:ana"])
            let event = Differ.diff(F.snapshot([new]), state: F.state([old])).events[0]
            #expect(event.kind == .modified)
            #expect(!event.timestampChanged)
            #expect(event.changedFields == ["tags"])
            #expect(event.diff.changes["tags"] == .set(added: ["owner:ana"], removed: []))
        }
    }

    @Test("same content, newer timestamp: touched, a new version, unobserved/medium, only the timestamp listed")
    func touched() {
        let old = F.profile("p1")
        let new = F.profile("p1", time: 5_000)
        let changes = Differ.diff(F.snapshot([new]), state: F.state([old]))
        #expect(changes.events.map(\.kind) == [.touched])
        #expect(changes.events[0].changedFields == ["last_modified_time"])
        #expect(changes.events[0].drift == .unobserved && changes.events[0].severity == .medium)
        #expect(changes.newVersions.map(\.version) == [2])
    }

    @Test("an older timestamp: no version, no event, a stale_observation warning")
    func stale() {
        let old = F.profile("p1", time: 5_000, description: "new")
        let new = F.profile("p1", time: 1_000, description: "old")
        let changes = Differ.diff(F.snapshot([new]), state: F.state([old]))
        #expect(changes.events.isEmpty && changes.newVersions.isEmpty && changes.closedVersions.isEmpty)
        #expect(changes.warnings.map(\.kind) == ["stale_observation"])
        #expect(changes.warnings[0].key == old.key)
    }

    @Test("a last_modified_time after captured_at (beyond the skew) is kept and warned future_modification; within the skew, not")
    func futureModificationWarned() {
        let captured = Instant(microsecondsSinceEpoch: 10_000 * 1_000_000)
        let future = F.profile("p1", time: 10_000 + 301, description: "x")
        let withinSkew = F.profile("p2", time: 10_000 + 299, description: "x")
        let changes = Differ.diff(F.snapshot([future, withinSkew]), state: [:], capturedAt: captured)
        #expect(changes.warnings.map(\.kind) == ["future_modification"])
        #expect(changes.warnings.first?.key == future.key)
        #expect(changes.newVersions.first { $0.profile.key == future.key }?.profile.lastModifiedTime == future.lastModifiedTime)
        #expect(Differ.diff(F.snapshot([future]), state: [:]).warnings.isEmpty, "no capture time: nothing to check against")
    }

    @Test("a stored time in the future never freezes a profile: the next capture's widening is a modified event, not stale")
    func futureTimeNeverFreezes() {
        let frozen = F.profile("p1", time: 1_900_000_000, tagRestricted: ["User", "Queue"])
        let widened = F.profile("p1", time: 1_000, tagRestricted: ["User"])
        let captured = Instant(microsecondsSinceEpoch: 2_000 * 1_000_000)
        let changes = Differ.diff(F.snapshot([widened]), state: F.state([frozen]), capturedAt: captured)
        #expect(changes.warnings.isEmpty, "\(changes.warnings)")
        #expect(changes.events.map(\.kind) == [.modified])
        #expect(changes.events.first?.drift == .widened)
        #expect(changes.events.first?.severity == .high)
        // The same content under an earlier, possible time: nothing happened.
        let same = F.profile("p1", time: 1_000, tagRestricted: ["User", "Queue"])
        let quiet = Differ.diff(F.snapshot([same]), state: F.state([frozen]), capturedAt: captured)
        #expect(quiet.events.isEmpty && quiet.warnings.isEmpty && quiet.unchanged == 1)
        // A stored time that was possible still makes an older observation stale.
        let honest = F.profile("p1", time: 1_500, tagRestricted: ["User", "Queue"])
        #expect(Differ.diff(F.snapshot([widened]), state: F.state([honest]), capturedAt: captured).warnings.map(\.kind) == ["stale_observation"])
    }

    @Test("permissions first carried for an instance are observed, not gained: no drift, no alert; recorded; a change beside them still counts")
    func firstObservation() {
        // History from a source without permissions: carried forward from nothing.
        var before = F.profile("p1", permissions: [])
        before.unobserved = TrackedFields()
        var other = F.profile("p2", permissions: [])
        other.unobserved = TrackedFields()
        let admin = F.profile("p1", time: 2_000, permissions: ["SecurityProfiles.Edit", "Users.Create"])
        let widened = F.profile("p2", time: 2_000, tagRestricted: [], permissions: ["BasicAgentAccess"])
        let changes = Differ.diff(F.snapshot([admin, widened]), state: F.state([before, other]), observed: [])
        #expect(changes.events.map(\.kind) == [.modified, .modified])
        #expect(changes.events[0].drift == DriftClass.none && changes.events[0].severity == .info)
        #expect(changes.events[0].diff.changes["permissions"] != nil, "the event still shows what was observed")
        #expect(changes.notAlerted == [admin.key])
        // p2 lost a tag restriction the same night: that is drift, the permissions are not.
        #expect(changes.events[1].drift == .widened && changes.events[1].severity == .high)
        #expect(changes.firstObservations.contains(FieldObservation(instance: F.instanceA, field: .permissions)))
        #expect(changes.warnings.map(\.kind) == ["first_observed", "first_observed", "first_observed"])
        // Once observed, a gain is a gain.
        let observed: Set<FieldObservation> = Set(ProfileField.tracked.map { FieldObservation(instance: F.instanceA, field: $0) })
        let later = Differ.diff(F.snapshot([admin]), state: F.state([F.profile("p1", permissions: ["BasicAgentAccess"])]), observed: observed)
        #expect(later.events.first?.drift == .widened && later.events.first?.severity == .critical)
        #expect(later.firstObservations.isEmpty && later.notAlerted.isEmpty)
    }

    @Test("open keys missing from the snapshot and inside its scope are deleted; others are kept")
    func deletedInScopeOnly() {
        let a1 = F.profile("a1"), a2 = F.profile("a2"), b1 = F.profile("b1", instance: F.instanceB)
        let changes = Differ.diff(F.snapshot([a1]), state: F.state([a1, a2, b1]))
        #expect(changes.events.map(\.kind) == [.deleted])
        #expect(changes.events[0].key == a2.key)
        #expect(changes.events[0].drift == .narrowed && changes.events[0].severity == .low)
        #expect(changes.closedVersions == [a2.key: 1])
        #expect(changes.openInScope == 2)
        #expect(changes.deletionFraction == 0.5)
        // Instance B vanished from a default-scoped snapshot: said, not deleted.
        #expect(changes.warnings.map(\.kind) == ["instance_missing"])
        #expect(changes.warnings[0].detail.contains(F.instanceB))
    }

    @Test("--scope all deletes everything missing; --scope account and instance name what they cover")
    func explicitScopes() {
        let a1 = F.profile("a1"), b1 = F.profile("b1", instance: F.instanceB, account: "999999999999")
        let all = Differ.diff(F.snapshot([a1]), state: F.state([a1, b1]), scope: .all)
        #expect(all.events.map(\.key) == [b1.key])
        #expect(all.warnings.isEmpty)
        let otherAccount = Differ.diff(F.snapshot([a1]), state: F.state([a1, b1]), scope: .accounts(["123456789012"]))
        #expect(otherAccount.events.isEmpty)
        #expect(otherAccount.warnings.isEmpty)
        let namedInstance = Differ.diff(F.snapshot([a1]), state: F.state([a1, b1]), scope: .instances([F.instanceA, F.instanceB]))
        #expect(namedInstance.events.map(\.kind) == [.deleted])
        #expect(SnapshotScope(argument: "account:1,2") == .accounts(["1", "2"]))
        #expect(SnapshotScope(argument: "instance:x") == .instances(["x"]))
        #expect(SnapshotScope(argument: "all") == .all)
        #expect(SnapshotScope(argument: "region:us-east-1") == nil)
        #expect(SnapshotScope(argument: "account:") == nil)
    }

    @Test("events come out in key order, whatever the input order")
    func deterministicOrder() {
        let profiles = (0..<20).map { F.profile("p\($0)") }
        let forward = Differ.diff(F.snapshot(profiles), state: [:])
        let backward = Differ.diff(F.snapshot(profiles.reversed()), state: [:])
        #expect(forward.events == backward.events)
        #expect(forward.events.map(\.key) == forward.events.map(\.key).sorted())
    }
}

@Suite("laws of the diff")
struct DifferLawTests {
    static let names = Gen.int(in: 0...30).map { "p\($0)" }.array(of: 0...12)
    static let edits = Gen.int(in: 0...5).array(of: 0...12)

    /// A state and a next snapshot generated from edit codes, so every kind of change occurs.
    static func scenario(_ names: [String], _ edits: [Int]) -> (state: [String: StoredVersion], next: [SecurityProfile]) {
        let unique = Array(Set(names)).sorted()
        let state = DiffFixture.state(unique.map { DiffFixture.profile($0) })
        var next: [SecurityProfile] = []
        for (index, name) in unique.enumerated() {
            switch edits.indices.contains(index) ? edits[index] : 0 {
            case 0: next.append(DiffFixture.profile(name))
            case 1: next.append(DiffFixture.profile(name, time: 2_000, description: "edited"))
            case 2: next.append(DiffFixture.profile(name, tags: ["team:other"]))
            case 3: next.append(DiffFixture.profile(name, time: 3_000))
            case 4: next.append(DiffFixture.profile(name, time: 10, description: "stale"))
            default: break  // deleted
            }
        }
        next.append(DiffFixture.profile("new-\(unique.count)"))
        return (state, next)
    }

    @Test("a snapshot diffed against its own state gives no events")
    func selfDiffIsEmpty() async {
        await propertyCheck(input: Self.names, Self.edits) { names, edits in
            let (state, next) = Self.scenario(names, edits)
            let changes = Differ.diff(DiffFixture.snapshot(next), state: state, scope: .all)
            let after = changes.applied(to: state)
            let again = Differ.diff(DiffFixture.snapshot(after.values.map(\.profile)), state: after, scope: .all)
            #expect(again.events.isEmpty)
            #expect(again.newVersions.isEmpty)
            let own = Differ.diff(DiffFixture.snapshot(state.values.map(\.profile)), state: state, scope: .all)
            #expect(own.events.isEmpty && own.warnings.isEmpty)
        }
    }

    @Test("events (deletions among them) and versions come out in key order, the same whatever the input order")
    func keyOrder() async {
        await propertyCheck(input: Self.names, Self.edits) { names, edits in
            let (state, next) = Self.scenario(names, edits)
            let changes = Differ.diff(DiffFixture.snapshot(next), state: state, scope: .all)
            #expect(changes.events.map(\.key) == changes.events.map(\.key).sorted())
            #expect(changes.newVersions.map(\.profile.key) == changes.newVersions.map(\.profile.key).sorted())
            let reversed = Differ.diff(DiffFixture.snapshot(next.reversed()), state: state, scope: .all)
            #expect(reversed.events == changes.events)
            #expect(reversed.newVersions == changes.newVersions)
        }
    }

    @Test("applying a change set to its state gives the snapshot's state (stale rows keep theirs)")
    func applyGivesSnapshotState() async {
        await propertyCheck(input: Self.names, Self.edits) { names, edits in
            let (state, next) = Self.scenario(names, edits)
            let changes = Differ.diff(DiffFixture.snapshot(next), state: state, scope: .all)
            let after = changes.applied(to: state)
            let stale = Set(changes.warnings.filter { $0.kind == "stale_observation" }.compactMap(\.key))
            #expect(Set(after.keys) == Set(next.map(\.key)))
            for profile in next {
                let expected = stale.contains(profile.key) ? state[profile.key]?.profile : profile
                #expect(after[profile.key]?.profile == expected)
            }
            // Versions only move forward.
            for (key, stored) in after {
                if let before = state[key] { #expect(stored.version >= before.version) }
            }
        }
    }
}

@Suite("the diff as JSON")
struct DiffJSONTests {
    @Test("the diff's JSON is what Foundation reads, and re-canonicalizes to itself")
    func jsonRoundTrip() throws {
        var old = DiffFixture.profile("p", description: "a \"q\" \\ \n\t\u{01} – ✓")
        old.extra = ["n": "1.5", "o": #"{"a":"x","b":[1,true,null]}"#]
        var new = DiffFixture.profile("p", time: 9, description: nil, tags: ["x:1", "team:cx"])
        new.extra = ["n": "2"]
        let diff = ProfileDiff.between(old, new)
        let text = diff.json
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(parsed.keys) == ["description", "extra.n", "extra.o", "last_modified_time", "tags"])
        #expect((parsed["description"] as? [String: Any])?["from"] as? String == "a \"q\" \\ \n\t\u{01} – ✓")
        #expect((parsed["description"] as? [String: Any])?["to"] is NSNull)
        #expect((parsed["tags"] as? [String: Any])?["added"] as? [String] == ["x:1"])
        #expect((parsed["extra.o"] as? [String: Any])?["from"] as? String == #"{"a":"x","b":[1,true,null]}"#)
        #expect(ProfileDiff.canonicalJSON(text: text) == text)
        // jsonb's own spacing and key order read back to the same canonical text.
        let spaced = "{\"tags\": {\"removed\": [], \"added\": [\"x:1\"]}}"
        #expect(ProfileDiff.canonicalJSON(text: spaced) == "{\"tags\":{\"added\":[\"x:1\"],\"removed\":[]}}")
    }
}

@Suite("the typed diff a report carries")
struct ProfileDiffJSONTests {
    @Test("a diff read back from its JSON, or from jsonb's spelling of it, is the same diff")
    func roundTrip() throws {
        let old = DiffFixture.profile("p", time: 1_000, description: "before", tagRestricted: ["User", "Queue"])
        var new = DiffFixture.profile("p", time: 2_000, description: nil, tagRestricted: ["User"], tags: ["team:cx", "env:prod"])
        new.setExtra("{\"a\":1}", for: "custom")
        let diff = ProfileDiff.between(old, new)
        #expect(diff.changes.count == 5)
        #expect(ProfileDiff(json: diff.json) == diff)
        // Another spelling of the same JSON (spaces, line breaks, other key order), as jsonb prints it.
        let object = try JSONSerialization.jsonObject(with: Data(diff.json.utf8))
        let jsonb = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]), as: UTF8.self)
        #expect(ProfileDiff(json: jsonb) == diff)
        #expect(ProfileDiff(json: "[1]") == nil)
        #expect(ProfileDiff(json: "{\"x\": 1}") == nil)
        let lines = Dictionary(uniqueKeysWithValues: diff.lines.map { ($0.field, $0.change) })
        #expect(lines["tag_restricted_resources"] == "-Queue")
        #expect(lines["description"] == "\"before\" -> (none)")
        #expect(lines["last_modified_time"] == "\"1970-01-01T00:16:40.000000Z\" -> \"1970-01-01T00:33:20.000000Z\"")
    }
}

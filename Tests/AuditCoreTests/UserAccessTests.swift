import AuditCore
import AuditModel
import AuditTime
import Testing

@Suite("users: the diff of assignments, effective access and the user chain")
struct UserAccessTests {
    static let instance = "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d"

    static func user(_ name: String, _ profiles: [String], instance: String = instance, routing: String? = nil) -> ConnectUser {
        let arn = "arn:aws:connect:eu-west-1:123456789012:instance/\(instance)/agent/\(name)"
        return ConnectUser(key: arn, username: name, id: name, arn: arn, securityProfileIDs: profiles, routingProfileID: routing)
    }

    static func digest(_ user: ConnectUser, salt: String = "") -> SHA256Digest {
        Array((user.contentHash + salt).utf8).withUnsafeBytes { SHA256Digest(of: $0) }
    }

    static func open(_ users: [ConnectUser], version: Int = 1) -> OpenUsers {
        OpenUsers(users.map {
            OpenUser(key: $0.key, version: version, contentHash: $0.contentHash, rowDigest: digest($0), instance: $0.instance, accountID: $0.accountID)
        })
    }

    /// The diff as the store runs it: the open versions `priorRowsNeeded` names, and only
    /// those, read whole from `before`.
    static func diff(
        _ users: [ConnectUser], before: [ConnectUser], recognized: [Int] = [], last: [String: Int] = [:],
        known: Set<String> = [instance], scope: SnapshotScope? = nil
    ) -> UserChangeSet {
        let open = Self.open(before)
        let rows = users.map { (user: $0, rowDigest: digest($0, salt: "row")) }
        let scope = scope ?? .instances(Set(users.map(\.instance)))
        let needed = Set(UserDiffer.priorRowsNeeded(rows, recognized: recognized, open: open, scope: scope))
        let prior = Dictionary(uniqueKeysWithValues: before.filter { needed.contains($0.key) }.map { ($0.key, $0) })
        return UserDiffer.diff(rows, recognized: recognized, open: open, priorRows: prior, lastVersions: last, knownInstances: known, scope: scope)
    }

    @Test("a profile gained is assigned, only lost is unassigned, another field is modified; the same content is unchanged whatever the row")
    func assignmentKinds() {
        let before = [Self.user("a", ["p1"]), Self.user("b", ["p1", "p2"]), Self.user("c", ["p1"]), Self.user("d", ["p1"]), Self.user("e", ["p2", "p1"])]
        let after = [Self.user("a", ["p1", "p3"]), Self.user("b", ["p2"]), Self.user("c", ["p1"], routing: "r9"), Self.user("d", ["p2"]), Self.user("e", ["p1", "p2"])]
        let changes = Self.diff(after, before: before)
        #expect(changes.events.map(\.kind) == [.assigned, .unassigned, .modified, .assigned])
        #expect(changes.events.map(\.username) == ["a", "b", "c", "d"])
        #expect(changes.events[0].profilesAdded == ["p3"] && changes.events[0].profilesRemoved.isEmpty)
        #expect(changes.events[1].profilesRemoved == ["p1"] && changes.events[1].changedFields == ["security_profile_ids"])
        #expect(changes.events[2].changedFields == ["routing_profile_id"])
        #expect(changes.events[3].profilesAdded == ["p2"] && changes.events[3].profilesRemoved == ["p1"])
        #expect(changes.unchanged == 1)
        #expect(changes.newVersions.map(\.version) == [2, 2, 2, 2])
        #expect(changes.closedVersions.count == 4)
    }

    @Test("deletion only inside the scope; a new user of a known instance is created, of an unknown one discovered, seen before recreated")
    func lifecycle() {
        let other = "0000aaaa-0000-4000-8000-000000000000"
        let before = [Self.user("gone", ["p1"]), Self.user("elsewhere", ["p1"], instance: other), Self.user("stay", ["p1"])]
        let changes = Self.diff(
            [Self.user("stay", ["p1"]), Self.user("new", ["p1"]), Self.user("back", ["p2"]), Self.user("far", [], instance: "ffff")],
            before: before, last: [Self.user("back", []).key: 3])
        // The same with "stay" recognised by its row instead of decoded: the same change set.
        let recognized = Self.diff(
            [Self.user("new", ["p1"]), Self.user("back", ["p2"]), Self.user("far", [], instance: "ffff")],
            before: before, recognized: [Self.open(before).position(of: Self.user("stay", []).key)!],
            last: [Self.user("back", []).key: 3], scope: .instances([Self.instance, "ffff"]))
        #expect(recognized.events == changes.events && recognized.unchanged == changes.unchanged && recognized.openInScope == changes.openInScope)
        let kinds = Dictionary(uniqueKeysWithValues: changes.events.map { ($0.username ?? "", $0.kind) })
        #expect(kinds == ["gone": .deleted, "new": .created, "back": .recreated, "far": .discovered])
        #expect(changes.events.first { $0.kind == .recreated }?.toVersion == 4)
        #expect(changes.events.first { $0.kind == .deleted }?.profilesRemoved == ["p1"])
        // Two open users were in scope (gone, stay); "elsewhere" is of an instance the export does not hold.
        #expect(changes.openInScope == 2 && changes.deletionFraction == 0.5)
        #expect(changes.events.map(\.key) == changes.events.map(\.key).sorted())
    }

    @Test("moving between two profiles that grant the same is no change of access; gaining the admin profile is widened/critical")
    func effectiveAccess() {
        let catalog = DriftPolicy.standard.catalog
        #expect(EffectiveAccess.change(
            before: ["tier1": ["BasicAgentAccess", "OutboundCallAccess"]],
            after: ["tier1-copy": ["OutboundCallAccess", "BasicAgentAccess"]], catalog: catalog) == nil)
        let admin = EffectiveAccess.change(
            before: ["tier1": ["BasicAgentAccess"]],
            after: ["tier1": ["BasicAgentAccess"], "admin": ["BasicAgentAccess", "SecurityProfiles.Edit"]], catalog: catalog)
        #expect(admin?.gained.map(\.permission) == ["SecurityProfiles.Edit"])
        #expect(admin?.gained.first?.via == ["admin"])
        #expect(admin?.lost.isEmpty == true)
        #expect(admin?.drift == .widened && admin?.severity == .critical)
        let narrowed = EffectiveAccess.change(
            before: ["tier1": ["BasicAgentAccess", "OutboundCallAccess"]], after: ["tier1": ["BasicAgentAccess"]], catalog: catalog)
        #expect(narrowed?.lost.map(\.permission) == ["OutboundCallAccess"] && narrowed?.drift == .narrowed)
        // A permission two profiles grant is lost only when both are gone.
        #expect(EffectiveAccess.change(
            before: ["a": ["Users.Edit"], "b": ["Users.Edit"]], after: ["b": ["Users.Edit"]], catalog: catalog) == nil)
    }

    @Test("the user chain links every event; altering, dropping or reordering one breaks it")
    func chain() {
        let drafts = Self.diff([Self.user("a", ["p1"]), Self.user("b", ["p2"])], before: []).events
        let events = UserEventChain.chain(
            drafts, snapshotID: 1, observedAt: Instant(microsecondsSinceEpoch: 1_000_000), after: 0, lastHash: EventChain.genesis)
        #expect(events.map(\.id) == [1, 2])
        #expect(UserEventChain.firstBreak(events) == nil)
        var altered = events
        altered[0].draft.profilesAdded = ["admin"]
        #expect(UserEventChain.firstBreak(altered)?.contains("user event #1") == true)
        #expect(UserEventChain.firstBreak(Array(events.dropFirst())) != nil)
        #expect(UserEventChain.firstBreak(events.reversed()) != nil)
    }

    @Test("the content hash covers what is stored and ignores the order of profile ids")
    func contentHash() {
        #expect(Self.user("a", ["p2", "p1", "p1"]).contentHash == Self.user("a", ["p1", "p2"]).contentHash)
        #expect(Self.user("a", ["p1"]).contentHash != Self.user("a", ["p1", "p2"]).contentHash)
        #expect(Self.user("a", ["p1"]).contentHash != Self.user("a", ["p1"], routing: "r").contentHash)
        #expect(Self.user("a", ["p1"]).instance == Self.instance)
    }
}

import AuditModel
import AuditTime
import Foundation
import PostgresClient
import SnapshotReading
import TestSupport
import Testing

/// Random nights of profiles and users, ingested by the binary, against a reference that
/// computes every user's effective permissions by brute force.
struct HiddenNights {
    static let instance = "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d"
    static let pool = [
        "BasicAgentAccess", "OutboundCallAccess", "ContactSearch.View", "Users.View", "Users.Edit",
        "SecurityProfiles.View", "SecurityProfiles.Edit", "RoutingPolicies.Edit", "AccessMetrics", "ManagerListenIn",
    ]

    /// Permissions by profile id, and profile ids by username, for one night.
    var profiles: [String: [String]] = [:]
    var users: [String: [String]] = [:]
    var random = SeededRandom(seed: 35)

    init() {
        for index in 0..<12 { profiles["p\(index)"] = Self.pool.filter { _ in Bool.random(using: &random) } }
        // Two profiles that grant the same, never edited: moving between them moves no access.
        profiles["p0"] = ["BasicAgentAccess", "OutboundCallAccess"]
        profiles["p1"] = ["OutboundCallAccess", "BasicAgentAccess"]
        for index in 0..<40 { users["u\(index)"] = randomProfiles() }
    }

    mutating func randomProfiles() -> [String] {
        let ids = profiles.keys.sorted()
        return Array(Set((0..<Int.random(in: 1...3, using: &random)).map { _ in ids.randomElement(using: &random)! })).sorted()
    }

    /// The next night: a few profiles edited, one deleted, users reassigned, a user gone, one new.
    mutating func advance(night: Int) {
        for id in profiles.keys.sorted() where id != "p0" && id != "p1" && Int.random(in: 0..<4, using: &random) == 0 {
            let flip = Self.pool.randomElement(using: &random)!
            profiles[id] = profiles[id]!.contains(flip) ? profiles[id]!.filter { $0 != flip } : profiles[id]! + [flip]
        }
        if night == 3 { profiles["p11"] = nil }
        for name in users.keys.sorted() {
            switch Int.random(in: 0..<8, using: &random) {
            case 0: users[name] = randomProfiles().filter { profiles[$0] != nil }
            case 1: users[name] = users[name]!.contains("p0") ? users[name]!.map { $0 == "p0" ? "p1" : $0 } : users[name]!.map { $0 == "p1" ? "p0" : $0 }
            default: break
            }
        }
        users["u\(night)"] = nil
        users["n\(night)"] = randomProfiles().filter { profiles[$0] != nil }
    }

    static func arn(_ kind: String, _ id: String) -> String {
        "arn:aws:connect:eu-west-1:123456789012:instance/\(instance)/\(kind)/\(id)"
    }

    func profileSnapshot() -> [SecurityProfile] {
        profiles.keys.sorted().map { id in
            SecurityProfile(
                key: Self.arn("security-profile", id), accountID: "123456789012", arn: Self.arn("security-profile", id), id: id,
                organizationResourceID: Self.instance, securityProfileName: "Profile \(id)", permissions: profiles[id]!)
        }
    }

    func userSnapshot() throws -> Data {
        let lines = try users.keys.sorted().map { name -> String in
            let object: [String: Any] = [
                "_key": Self.arn("agent", name), "arn": Self.arn("agent", name), "id": name, "username": name,
                "account_id": "123456789012", "security_profile_ids": users[name]!,
                "identity_info": ["first_name": name.uppercased(), "email": "\(name)@example.com"],
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Each user's effective permissions: permission → the profile keys that grant it.
    func access() -> [String: [String: Set<String>]] {
        var access: [String: [String: Set<String>]] = [:]
        for (name, held) in users {
            var grants: [String: Set<String>] = [:]
            for id in held { for permission in profiles[id] ?? [] { grants[permission, default: []].insert(Self.arn("security-profile", id)) } }
            access[Self.arn("agent", name)] = grants
        }
        return access
    }
}

@Suite("users and effective access, through the binary and SQL")
struct UserAccessCommandTests {
    /// `(user, permission, change, at)` of every move between two states of access.
    static func moves(from old: [String: [String: Set<String>]], to new: [String: [String: Set<String>]], at: String) -> Set<[String]> {
        var moves: Set<[String]> = []
        for user in Set(old.keys).union(new.keys) {
            let before = Set(old[user]?.keys ?? [:].keys), after = Set(new[user]?.keys ?? [:].keys)
            for permission in after.subtracting(before) { moves.insert([user, permission, "gained", at]) }
            for permission in before.subtracting(after) { moves.insert([user, permission, "lost", at]) }
        }
        return moves
    }

    @Test("hidden nights: access_changes lists every permission each user gained or lost, and nothing else; access_as_of is the brute-force union")
    func hiddenNights() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connect-audit-users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            // Every user-level change alerts; a profile change alerts when 4 or more users held it.
            let rules = folder.appendingPathComponent("alerts.yaml").path
            try """
                channels:
                  out: {type: stdout}
                rules:
                  - {name: people, on: [users], channels: [out]}
                  - {name: blast, min_holders: 4, channels: [out]}
                """.write(toFile: rules, atomically: true, encoding: .utf8)
            var nights = HiddenNights()
            var expected: Set<[String]> = []
            var previous: [String: [String: Set<String>]] = [:]
            var states: [(at: String, access: [String: [String: Set<String>]])] = []
            // The users of the last user snapshot: the holders of the next night's profiles.
            var lastUsers: [String: [String]] = [:]
            // Each profile change's holders, by profile key and time: the reference's count.
            var expectedHolders: [[String]: Int] = [:]
            for night in 1...5 {
                if night > 1 { nights.advance(night: night) }
                // Profiles first, users half an hour later: each is a moment of its own.
                let profileFile = folder.appendingPathComponent("profiles-\(night).ndjson").path
                try Data(SnapshotRenderer.render(nights.profileSnapshot(), as: .ndjson)).write(to: URL(fileURLWithPath: profileFile))
                let profilesAt = String(format: "2026-11-%02dT02:00:00Z", night)
                let ingested = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", profilesAt, "--rules", rules, profileFile])
                #expect(ingested.status == 0, "\(ingested.stderr)")
                // Holders are those of the users' last snapshot, with this night's profiles.
                var afterProfiles = nights
                afterProfiles.users = lastUsers
                for (id, _) in nights.profiles {
                    expectedHolders[[HiddenNights.arn("security-profile", id), profilesAt]] = night == 1 ? nil : lastUsers.values.filter { $0.contains(id) }.count
                }
                if night == 3 { expectedHolders[[HiddenNights.arn("security-profile", "p11"), profilesAt]] = lastUsers.values.filter { $0.contains("p11") }.count }
                if night > 1 {
                    expected.formUnion(Self.moves(from: previous, to: afterProfiles.access(), at: profilesAt))
                    previous = afterProfiles.access()
                }
                let userFile = folder.appendingPathComponent("users-\(night).ndjson").path
                try nights.userSnapshot().write(to: URL(fileURLWithPath: userFile))
                let usersAt = String(format: "2026-11-%02dT02:30:00Z", night)
                let users = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", usersAt, "--rules", rules, userFile])
                #expect(users.status == 0, "\(users.stderr)")
                #expect(users.stdout.contains("users, user snapshot #\(night)"), "\(users.stdout)")
                // The first user snapshot discovers everyone: a first load, no change of access.
                if night > 1 { expected.formUnion(Self.moves(from: previous, to: nights.access(), at: usersAt)) }
                previous = nights.access()
                states.append((usersAt, previous))
                lastUsers = nights.users
            }
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            var stored: Set<[String]> = []
            for row in try connection.query("""
                SELECT user_key, permission, change, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM connect_audit.access_changes
                """) {
                stored.insert(try (0..<4).map { try row.decode(String.self, at: $0) })
            }
            #expect(!expected.isEmpty)
            #expect(stored.subtracting(expected).sorted { $0.lexicographicallyPrecedes($1) }.prefix(5) == [])
            #expect(expected.subtracting(stored).sorted { $0.lexicographicallyPrecedes($1) }.prefix(5) == [])
            #expect(stored.contains { $0[1] == "SecurityProfiles.Edit" && $0[2] == "gained" })
            // access_as_of at each user snapshot is the reference's union, profile by profile.
            for state in states {
                var asOf: [String: [String: Set<String>]] = [:]
                for row in try connection.query("SELECT user_key, permission, via_profile_key FROM connect_audit.access_as_of($1::timestamptz)", [state.at]) {
                    asOf[try row.decode(String.self, at: 0), default: [:]][try row.decode(String.self, at: 1), default: []]
                        .insert(try row.decode(String.self, at: 2))
                }
                #expect(asOf == state.access.filter { !$0.value.isEmpty }, "as of \(state.at)")
                // The form for one permission lists the same holders, each through the same profiles.
                let permissions = Set(state.access.values.flatMap(\.keys))
                #expect(!permissions.isEmpty)
                for permission in permissions.union(["Nobody.HoldsThis"]) {
                    var holders: [String: Set<String>] = [:]
                    for row in try connection.query(
                        "SELECT user_key, permission, via_profile_key FROM connect_audit.access_as_of($1::timestamptz, $2)", [state.at, permission]) {
                        #expect(try row.decode(String.self, at: 1) == permission)
                        holders[try row.decode(String.self, at: 0), default: []].insert(try row.decode(String.self, at: 2))
                    }
                    #expect(holders == state.access.compactMapValues { $0[permission] }, "\(permission) as of \(state.at)")
                }
            }
            // The report says of each profile change how many users held the profile then.
            let report = try CommandRunner.run(["report", "--database-url", db, "--format", "json", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-06T00:00:00Z"])
            #expect(report.status == 0, "\(report.stderr)")
            let events = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["events"] as? [[String: Any]] ?? []
            #expect(events.count > 3)
            var widenedWithHolders = 0
            for event in events {
                let key = event["profile_key"] as? String ?? "", at = event["observed_at"] as? String ?? ""
                let when = String(at.prefix(19)) + "Z"
                #expect(event["holders"] as? Int == expectedHolders[[key, when]], "\(key) at \(when)")
                if event["drift"] as? String == "widened", (event["holders"] as? Int ?? 0) > 0 { widenedWithHolders += 1 }
            }
            #expect(widenedWithHolders > 0)
            // A widened profile's holders are exactly the users access_as_of lists with the
            // permission it gained through it, from that moment on.
            var widenedChecked = 0
            for event in events where event["drift"] as? String == "widened" && event["kind"] as? String == "modified" {
                guard let gained = ((event["diff"] as? [String: Any])?["permissions"] as? [String: Any])?["added"] as? [String],
                      let permission = gained.first, let holders = event["holders"] as? Int
                else { continue }
                let listed = try connection.query("""
                    SELECT count(DISTINCT user_key) FROM connect_audit.access_as_of($1::timestamptz)
                    WHERE permission = $2 AND via_profile_key = $3
                    """, [event["observed_at"] as? String ?? "", permission, event["profile_key"] as? String ?? ""])[0].decode(Int.self, at: 0)
                #expect(listed == holders, "\(event["profile_key"] ?? "") gained \(permission)")
                widenedChecked += 1
            }
            #expect(widenedChecked > 0)
            let text = try CommandRunner.run(["report", "--database-url", db, "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-06T00:00:00Z"])
            #expect(text.stdout.contains("held by "), "\(text.stdout.prefix(400))")
            #expect(text.stdout.contains("People whose access widened: "), "\(text.stdout.prefix(400))")
            // Its user changes are the reference's moves, grouped by user and moment, each
            // gaining SecurityProfiles.Edit critical.
            var reference: [[String]: (gained: Set<String>, lost: Set<String>)] = [:]
            for move in expected {
                var entry = reference[[move[0], move[3]]] ?? ([], [])
                if move[2] == "gained" { entry.gained.insert(move[1]) } else { entry.lost.insert(move[1]) }
                reference[[move[0], move[3]]] = entry
            }
            let userChanges = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["user_changes"] as? [[String: Any]] ?? []
            #expect(userChanges.count == reference.count)
            for change in userChanges {
                let key = [change["user_key"] as? String ?? "", String((change["at"] as? String ?? "").prefix(19)) + "Z"]
                #expect(Set(change["gained"] as? [String] ?? []) == reference[key]?.gained, "\(key)")
                #expect(Set(change["lost"] as? [String] ?? []) == reference[key]?.lost, "\(key)")
                #expect((change["via"] as? [String])?.isEmpty == false)
                if (change["gained"] as? [String])?.contains("SecurityProfiles.Edit") == true {
                    #expect(change["severity"] as? String == "critical" && change["drift"] as? String == "widened")
                }
            }
            // User alerts: one per user event that moved access, saying exactly what moved
            // (the reference's moves at the users' moments); none where access stood still.
            var alerted: [[String]: (gained: Set<String>, lost: Set<String>)] = [:]
            for row in try connection.query("""
                SELECT e.user_key, to_char(e.observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), o.user_access::text
                FROM connect_audit.alert_outbox o JOIN connect_audit.user_events e ON e.id = o.user_event_id WHERE o.rule = 'people'
                """) {
                let access = try JSONSerialization.jsonObject(with: Data(try row.decode(String.self, at: 2).utf8)) as? [String: Any]
                let key = [try row.decode(String.self, at: 0), try row.decode(String.self, at: 1)]
                #expect(alerted[key] == nil, "one alert per change: \(key)")
                alerted[key] = (Set(access?["gained"] as? [String] ?? []), Set(access?["lost"] as? [String] ?? []))
                if (access?["gained"] as? [String])?.contains("SecurityProfiles.Edit") == true {
                    #expect(access?["severity"] as? String == "critical", "\(key)")
                }
            }
            let byUsers = reference.filter { $0.key[1].hasSuffix("02:30:00Z") }
            #expect(!byUsers.isEmpty && Set(alerted.keys) == Set(byUsers.keys))
            for (key, moved) in byUsers { #expect(alerted[key]?.gained == moved.gained && alerted[key]?.lost == moved.lost, "\(key)") }
            // Profile alerts: exactly the changes whose profile 4 or more users held.
            let reported = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["events"] as? [[String: Any]] ?? []
            let wide = Set(reported.filter { ($0["holders"] as? Int ?? 0) >= 4 }.compactMap { $0["id"] as? Int }.map(Int64.init))
            let blasted = Set(try connection.query("SELECT event_id FROM connect_audit.alert_outbox WHERE rule = 'blast'").map { try $0.decode(Int64.self, at: 0) })
            #expect(!wide.isEmpty && blasted == wide)
            #expect(reported.contains { ($0["holders"] as? Int ?? 0) < 4 && $0["kind"] as? String != "discovered" }, "some change is held by too few to alert")
            // Delivered to stdout: a user alert names its user, what was gained and lost, and via what.
            let delivered = try CommandRunner.run(["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "5"])
            #expect(delivered.status == 0, "\(delivered.stderr)")
            let payloads = delivered.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let userPayloads = payloads.filter { $0["subject"] as? String == "user" }
            #expect(userPayloads.count == alerted.count && payloads.count == alerted.count + wide.count)
            #expect(userPayloads.allSatisfy { $0["username"] is String && $0["via"] is [String] && $0["profile_key"] is NSNull })
            #expect(payloads.filter { $0["subject"] as? String == "profile" }.allSatisfy { ($0["holders"] as? Int ?? 0) >= 4 })
            // Nothing personal was stored, and the user chain verifies.
            #expect(try connection.query("""
                SELECT count(*) FROM connect_audit.user_versions v WHERE to_jsonb(v)::text LIKE '%example.com%'
                """)[0].decode(Int.self, at: 0) == 0)
            let verify = try CommandRunner.run(["verify", "--database-url", db])
            #expect(verify.status == 0 && verify.stdout.contains("user events chained"), "\(verify.stdout)\(verify.stderr)")
        }
    }

    /// A CloudTrail record of an Amazon Connect write to a user, by `arn` at `time`.
    static func trailRecord(_ name: String, id: String, user: String, at time: String, by arn: String, failed: Bool = false) -> [String: Any] {
        var record: [String: Any] = [
            "eventVersion": "1.08", "eventSource": "connect.amazonaws.com", "eventName": name, "eventID": id, "eventTime": time,
            "awsRegion": "eu-west-1", "recipientAccountId": "123456789012", "readOnly": false, "sourceIPAddress": "198.51.100.7",
            "userAgent": "aws-cli/1.36", "requestParameters": ["InstanceId": HiddenNights.instance, "UserId": user, "SecurityProfileIds": ["p9"]],
            "userIdentity": ["type": "AssumedRole", "arn": arn, "accountId": "123456789012"],
        ]
        if failed { record["errorCode"] = "AccessDeniedException" }
        return record
    }

    @Test("UpdateUserSecurityProfiles in CloudTrail attributes an assignment: access_changes and the report name who gave it; a failed call or another user's never")
    func assignmentAttributed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connect-audit-users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            var nights = HiddenNights()
            nights.profiles["p9"] = ["SecurityProfiles.Edit", "Users.Edit"]
            nights.users["u7"] = ["p0"]
            let profiles = folder.appendingPathComponent("profiles.ndjson").path
            try Data(SnapshotRenderer.render(nights.profileSnapshot(), as: .ndjson)).write(to: URL(fileURLWithPath: profiles))
            #expect(try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-01T02:00:00Z", profiles]).status == 0)
            let first = folder.appendingPathComponent("users-1.ndjson").path
            try nights.userSnapshot().write(to: URL(fileURLWithPath: first))
            #expect(try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-01T03:00:00Z", first]).status == 0)
            nights.users["u7"] = ["p0", "p9"]
            let second = folder.appendingPathComponent("users-2.ndjson").path
            try nights.userSnapshot().write(to: URL(fileURLWithPath: second))
            #expect(try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-02T03:00:00Z", second]).status == 0)
            let trail = folder.appendingPathComponent("trail.json").path
            let records = [
                Self.trailRecord("UpdateUserSecurityProfiles", id: "e-1", user: "u7", at: "2026-11-01T15:04:05Z", by: "arn:aws:sts::123456789012:assumed-role/ConnectAdmin/mallory"),
                Self.trailRecord("UpdateUserSecurityProfiles", id: "e-2", user: "u7", at: "2026-11-01T15:09:00Z", by: "arn:aws:sts::123456789012:assumed-role/Intern/eve", failed: true),
                Self.trailRecord("UpdateUserSecurityProfiles", id: "e-3", user: "u8", at: "2026-11-01T16:00:00Z", by: "arn:aws:sts::123456789012:assumed-role/ConnectAdmin/bob"),
                Self.trailRecord("UpdateUserSecurityProfiles", id: "e-4", user: "u7", at: "2026-11-02T05:00:00Z", by: "arn:aws:sts::123456789012:assumed-role/ConnectAdmin/late"),
            ]
            try JSONSerialization.data(withJSONObject: ["Records": records]).write(to: URL(fileURLWithPath: trail))
            let ingested = try CommandRunner.run(["trail", "ingest", "--database-url", db, trail])
            #expect(ingested.status == 0, "\(ingested.stdout)\(ingested.stderr)")
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            let rows = try connection.query("""
                SELECT DISTINCT principal FROM connect_audit.access_changes WHERE user_key = $1 AND change = 'gained'
                """, [HiddenNights.arn("agent", "u7")])
            #expect(try rows.map { try $0.decodeIfPresent(String.self, at: 0) } == ["arn:aws:sts::123456789012:assumed-role/ConnectAdmin/mallory"])
            let confidence = try connection.query("SELECT confidence, trail_event_id FROM connect_audit.user_change_attribution")
            #expect(try confidence.map { [try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)] } == [["window", "e-1"]])
            let report = try CommandRunner.run(["report", "--database-url", db, "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-03T00:00:00Z", "--format", "json"])
            let changes = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["user_changes"] as? [[String: Any]]
            #expect(changes?.count == 1)
            #expect(changes?.first?["principal"] as? String == "arn:aws:sts::123456789012:assumed-role/ConnectAdmin/mallory")
            #expect(changes?.first?["severity"] as? String == "critical")
            #expect(changes?.first?["username"] as? String == "u7")
        }
    }

    @Test("a user snapshot older than the last is refused, the same one again is a no-op, a mass deletion is refused, a dry run writes nothing; tampering breaks verify")
    func refusals() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("connect-audit-users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            var nights = HiddenNights()
            let full = folder.appendingPathComponent("users.ndjson").path
            try nights.userSnapshot().write(to: URL(fileURLWithPath: full))
            #expect(try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-02T02:00:00Z", full]).status == 0)
            let again = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-03T02:00:00Z", full])
            #expect(again.status == 0 && again.stdout.contains("the same as user snapshot #1; nothing written"), "\(again.stdout)")
            nights.users = Dictionary(uniqueKeysWithValues: nights.users.sorted { $0.key < $1.key }.prefix(5).map { ($0.key, $0.value) })
            let few = folder.appendingPathComponent("few.ndjson").path
            try nights.userSnapshot().write(to: URL(fileURLWithPath: few))
            let stale = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-01T02:00:00Z", few])
            #expect(stale.status == 1 && stale.stderr.contains("history never goes backwards"), "\(stale.stderr)")
            let mass = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", "2026-11-04T02:00:00Z", few])
            #expect(mass.status == 1 && mass.stderr.contains("would delete 35 of 40 open users"), "\(mass.stderr)")
            let dry = try CommandRunner.run([
                "ingest", "--database-url", db, "--captured-at", "2026-11-04T02:00:00Z", "--dry-run", "--max-delete-fraction", "1", "--output", "json", few,
            ])
            let parsed = try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [[String: Any]]
            #expect((parsed?.first?["counts"] as? [String: Int])?["deleted"] == 35, "\(dry.stdout)\(dry.stderr)")
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            #expect(try connection.query("SELECT count(*) FROM connect_audit.user_snapshots")[0].decode(Int.self, at: 0) == 1)
            #expect(throws: PostgresError.self) { try connection.execute("UPDATE connect_audit.user_events SET username = 'x' WHERE id = 1") }
            try connection.execute("ALTER TABLE connect_audit.user_events DISABLE TRIGGER user_events_append_only")
            try connection.execute("UPDATE connect_audit.user_events SET profiles_added = '{p0,p1,p2}' WHERE id = 3")
            let verify = try CommandRunner.run(["verify", "--database-url", db])
            #expect(verify.status != 0 && (verify.stdout + verify.stderr).contains("user event #3"), "\(verify.stdout)\(verify.stderr)")
        }
    }
}

import ArgumentParser
import AuditModel
import AuditTime
import Foundation

/// The demo's users over the sample week (`examples/users/`): DDSQL `aws.connect_user` rows
/// (the Data Directory's access columns; no personal data), one export a night, and the
/// CloudTrail records of the writes that changed them. The story: Tuesday's widened
/// "Tier1 Agent – EMEA" is held by a dozen agents; on Wednesday an agent is given the admin
/// profile (by bob) and an on-call admin appears holding the break-glass profile; on Friday
/// the contractors leave with their profile; on Sunday the agent's admin profile is taken
/// away again.
struct SampleUsers: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample-users", abstract: "Write the demo's week of user exports.")

    @Option(help: "Output folder.") var out = "examples/users"

    struct User {
        var name: String
        var instance: String
        var account: String
        /// The profiles held, by name.
        var profiles: [String]
    }

    static func monday() -> [String: User] {
        var users: [User] = [
            User(name: "a.moreau", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Admin – EMEA"]),
            User(name: "m.keller", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Tier2 Agent – EMEA"]),
            User(name: "s.okafor", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Supervisor – EMEA"]),
            User(name: "l.novak", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Quality Analyst – EMEA"]),
            User(name: "r.hughes", instance: SampleWeek.us, account: SampleWeek.prod, profiles: ["Supervisor – US"]),
            User(name: "d.park", instance: SampleWeek.us, account: SampleWeek.prod, profiles: ["QA Analyst – US"]),
            User(name: "p.iyer", instance: SampleWeek.lab, account: SampleWeek.sandbox, profiles: ["Sandbox Admin"]),
        ]
        for index in 1...12 {
            users.append(User(name: "agent.emea.\(index)", instance: SampleWeek.emea, account: SampleWeek.prod,
                              profiles: ["Tier1 Agent – EMEA"] + (index % 4 == 0 ? ["Agent Pool \(index / 4) – EMEA"] : [])))
        }
        for index in 1...4 {
            users.append(User(name: "agent.tier2.\(index)", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Tier2 Agent – EMEA"]))
            users.append(User(name: "contractor.\(index)", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Temp Contractor – EMEA"]))
        }
        for index in 1...6 {
            users.append(User(name: "agent.us.\(index)", instance: SampleWeek.us, account: SampleWeek.prod, profiles: ["Tier1 Agent – US"]))
        }
        return Dictionary(uniqueKeysWithValues: users.map { ($0.name, $0) })
    }

    static func id(_ name: String) -> String { SyntheticProfiles.uuid(UInt64(abs(name.hashValueStable)), salt: 11) }

    /// A profile's id: the sample week's, from its name.
    static func profileID(_ name: String) -> String { SyntheticProfiles.uuid(UInt64(abs(name.hashValueStable)), salt: 7) }

    static func arn(_ user: User) -> String {
        "arn:aws:connect:\(SampleWeek.region(user.instance)):\(user.account):instance/\(user.instance)/agent/\(id(user.name))"
    }

    /// One `aws.connect_user` row.
    static func row(_ user: User) -> [String: Any] {
        [
            "_key": arn(user), "account_id": user.account, "arn": arn(user), "id": id(user.name), "username": user.name,
            "security_profile_ids": user.profiles.map(profileID).sorted(),
            "routing_profile_id": SyntheticProfiles.uuid(UInt64(abs(user.instance.hashValueStable)), salt: 13),
        ]
    }

    /// A CloudTrail record of a write to a user (`requestParameters` with the API's members).
    static func record(_ name: String, user: User, at time: String, by who: String, number: Int) -> [String: Any] {
        var request: [String: Any] = ["InstanceId": user.instance, "UserId": id(user.name)]
        if name == "UpdateUserSecurityProfiles" { request["SecurityProfileIds"] = user.profiles.map(profileID).sorted() }
        return [
            "eventVersion": "1.08", "eventTime": time, "eventSource": "connect.amazonaws.com", "eventName": name,
            "awsRegion": SampleWeek.region(user.instance), "sourceIPAddress": "198.51.100.20", "userAgent": "aws-cli/2.15.0",
            "userIdentity": ["type": "AssumedRole", "arn": "arn:aws:sts::\(user.account):assumed-role/ConnectAdmin/\(who)", "accountId": user.account],
            "requestParameters": request, "responseElements": NSNull(), "requestID": "sample-user-request-\(number)",
            "eventID": String(format: "0b7a5c3e-1111-4000-8000-%012d", number), "readOnly": false, "eventType": "AwsApiCall",
            "managementEvent": true, "recipientAccountId": user.account, "eventCategory": "Management",
        ]
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var users = Self.monday()
        var records: [[String: Any]] = []
        func write(_ day: String) throws {
            let lines = try users.values.sorted { Self.arn($0) < Self.arn($1) }.map { user in
                String(decoding: try JSONSerialization.data(withJSONObject: Self.row(user), options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            }
            let path = "\(out)/\(day).users.ndjson"
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
            print("wrote \(path): \(lines.count) users")
        }
        try write("2026-11-16")
        try write("2026-11-17")
        // Wednesday: an agent given the admin profile, and an on-call admin for break-glass.
        users["m.keller"]?.profiles.append("Admin – EMEA")
        records.append(Self.record("UpdateUserSecurityProfiles", user: users["m.keller"]!, at: "2026-11-17T22:41:07Z", by: "bob", number: 1))
        users["oncall.admin"] = User(name: "oncall.admin", instance: SampleWeek.emea, account: SampleWeek.prod, profiles: ["Break-glass Admin"])
        records.append(Self.record("CreateUser", user: users["oncall.admin"]!, at: "2026-11-17T23:06:30Z", by: "bob", number: 2))
        try write("2026-11-18")
        try write("2026-11-19")
        // Friday: the contractors leave with their profile.
        for index in 1...4 {
            records.append(Self.record("DeleteUser", user: users["contractor.\(index)"]!, at: "2026-11-19T16:1\(index):00Z", by: "carol", number: 2 + index))
            users["contractor.\(index)"] = nil
        }
        try write("2026-11-20")
        try write("2026-11-21")
        // Sunday: the admin profile taken back.
        users["m.keller"]?.profiles = ["Tier2 Agent – EMEA"]
        records.append(Self.record("UpdateUserSecurityProfiles", user: users["m.keller"]!, at: "2026-11-21T09:30:00Z", by: "alice", number: 7))
        try write("2026-11-22")
        let trail = "\(out)/cloudtrail.json"
        try JSONSerialization.data(withJSONObject: ["Records": records], options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            .write(to: URL(fileURLWithPath: trail))
        print("wrote \(trail): \(records.count) CloudTrail records")
    }
}

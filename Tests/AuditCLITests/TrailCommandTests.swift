import Foundation
import PostgresClient
import Testing
import TestSupport

/// CloudTrail records in the documented shape (CloudTrail user guide, "CloudTrail record
/// contents"; the Amazon Connect admin guide's example entry) for the trail tests.
enum TrailFixture {
    static let account = "111122223333"
    static let instance = "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d"
    static func arn(_ profile: String) -> String { "arn:aws:connect:eu-west-1:\(account):instance/\(instance)/security-profile/\(profile)" }

    /// One record; `name` is the API call, `who` the role session.
    static func record(
        _ id: String, _ name: String, at time: String, profile: String?, who: String = "alice", readOnly: Bool = false,
        source: String = "connect.amazonaws.com", error: String? = nil
    ) -> [String: Any] {
        var request: [String: Any] = ["InstanceId": instance]
        var response: Any = NSNull()
        switch name {
        case "CreateSecurityProfile":
            request["SecurityProfileName"] = "p"
            if let profile, error == nil { response = ["SecurityProfileId": profile, "SecurityProfileArn": arn(profile)] }
        case "TagResource", "UntagResource":
            request = ["resourceArn": profile.map(arn) ?? "arn:aws:connect:eu-west-1:\(account):instance/\(instance)/queue/q-1"]
        default:
            if let profile { request["SecurityProfileId"] = profile }
        }
        var record: [String: Any] = [
            "eventVersion": "1.08",
            "userIdentity": [
                "type": "AssumedRole", "principalId": "AROAEXAMPLE:\(who)", "arn": "arn:aws:sts::\(account):assumed-role/ConnectAdmin/\(who)",
                "accountId": account, "accessKeyId": "ASIAEXAMPLE",
                "sessionContext": [
                    "sessionIssuer": ["type": "Role", "principalId": "AROAEXAMPLE", "arn": "arn:aws:iam::\(account):role/ConnectAdmin", "accountId": account, "userName": "ConnectAdmin"],
                    "attributes": ["creationDate": "2026-11-09T08:00:00Z", "mfaAuthenticated": "true"],
                ] as [String: Any],
            ] as [String: Any],
            "eventTime": time, "eventSource": source, "eventName": name, "awsRegion": "eu-west-1",
            "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0 md/command#connect.update-security-profile",
            "requestParameters": request, "responseElements": response, "requestID": "req-\(id)", "eventID": id,
            "readOnly": readOnly, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": account,
            "eventCategory": "Management",
        ]
        if let error { record["errorCode"] = error; record["errorMessage"] = "denied" }
        return record
    }

    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A snapshot row.
    static func row(_ profile: String, lmt: String, description: String = "d") -> String {
        json(["_key": arn(profile), "arn": arn(profile), "id": profile, "organization_resource_id": instance, "account_id": account,
              "security_profile_name": "Profile \(profile)", "last_modified_time": lmt, "description": description, "permissions": ["BasicAgentAccess"]])
    }
}

@Suite("trail ingest: who made each change")
struct TrailCommandTests {
    typealias F = TrailFixture

    /// Writes `text` into the file `name` of `folder`; its path.
    static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes the three nights and the trail files into `folder`; returns (nights, trail files).
    static func scenario(in folder: URL) throws -> (nights: [(String, String)], trail: [String]) {
        func write(_ name: String, _ text: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // Night 1: A, B, C, D appear: the instance's first snapshot discovers them (no change, no attribution).
        let night1 = try write("n1.ndjson", [F.row("a", lmt: "2026-11-09T10:00:00.400Z"), F.row("b", lmt: "2026-11-09T12:00:00Z"),
                                             F.row("c", lmt: "2026-11-09T12:00:00Z"), F.row("d", lmt: "2026-11-09T12:00:00Z")].joined(separator: "\n"))
        // Night 2: A modified (stamped 1.7 s after alice's call), B touched, E created, C and D deleted.
        let night2 = try write("n2.ndjson", [F.row("a", lmt: "2026-11-10T15:30:02.700Z", description: "new words"),
                                             F.row("b", lmt: "2026-11-10T09:00:00Z"), F.row("e", lmt: "2026-11-10T11:00:00.900Z")].joined(separator: "\n"))
        // Night 3: D re-created; A modified again, with two writes in the window and none exact.
        let night3 = try write("n3.ndjson", [F.row("a", lmt: "2026-11-11T18:00:00Z", description: "third words"),
                                             F.row("b", lmt: "2026-11-10T09:00:00Z"), F.row("d", lmt: "2026-11-11T12:00:00.200Z"),
                                             F.row("e", lmt: "2026-11-10T11:00:00.900Z")].joined(separator: "\n"))
        let records: [[String: Any]] = [
            F.record("e1", "CreateSecurityProfile", at: "2026-11-09T10:00:00Z", profile: "a"),
            F.record("e2", "CreateSecurityProfile", at: "2026-11-01T09:00:00Z", profile: "b", who: "bob"),  // long before: B's creation is unattributed
            F.record("e3", "UpdateSecurityProfile", at: "2026-11-10T15:30:01Z", profile: "a"),
            F.record("e4", "DescribeSecurityProfile", at: "2026-11-10T15:30:01Z", profile: "a", who: "mallory", readOnly: true),
            F.record("e5", "UpdateSecurityProfile", at: "2026-11-10T15:30:01Z", profile: "x", who: "mallory"),  // another profile
            F.record("e6", "RunInstances", at: "2026-11-10T15:30:01Z", profile: nil, who: "mallory", source: "ec2.amazonaws.com"),
            F.record("e7", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "b", who: "bob"),  // in B's window
            F.record("e8", "UpdateSecurityProfile", at: "2026-11-05T08:00:00Z", profile: "b", who: "mallory"),  // before the window
            F.record("e9", "DeleteSecurityProfile", at: "2026-11-10T20:00:00Z", profile: "c", who: "carol"),
            F.record("e10", "CreateSecurityProfile", at: "2026-11-11T12:00:00Z", profile: "d", who: "dave"),
            F.record("e11", "UpdateSecurityProfile", at: "2026-11-11T09:00:00Z", profile: "a", who: "erin"),
            F.record("e12", "TagResource", at: "2026-11-11T10:00:00Z", profile: "a", who: "frank"),
            F.record("e13", "UpdateSecurityProfile", at: "2026-11-11T10:30:00Z", profile: "a", who: "mallory", error: "AccessDeniedException"),
            F.record("e14", "TagResource", at: "2026-11-11T10:00:00Z", profile: nil, who: "mallory"),  // tags a queue
            F.record("e15", "CreateSecurityProfile", at: "2026-11-10T11:00:00Z", profile: "e", who: "gina"),
        ]
        // Three shapes: a gzipped log file, lookup-events output, EventBridge lines.
        let logFile = try write("trail.json", F.json(["Records": Array(records[0..<6])]))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-f", logFile]
        try gzip.run()
        gzip.waitUntilExit()
        let lookup = try write("lookup.json", F.json(["Events": records[6..<10].map { ["EventId": $0["eventID"]!, "CloudTrailEvent": F.json($0)] }]))
        let bridge = try write("bridge.jsonl", records[10...].map {
            F.json(["version": "0", "id": "x", "detail-type": "AWS API Call via CloudTrail", "source": "aws.connect", "account": F.account,
                    "time": $0["eventTime"]!, "region": "eu-west-1", "resources": [String](), "detail": $0])
        }.joined(separator: "\n"))
        return ([(night1, "2026-11-10T02:00:00Z"), (night2, "2026-11-11T02:00:00Z"), (night3, "2026-11-12T02:00:00Z")], [logFile + ".gz", lookup, bridge])
    }

    /// Every attribution as `profile kind confidence principal-session event`.
    static func attributions(_ db: String) throws -> [String] {
        let connection = try PostgresConnection(db)
        defer { connection.close() }
        return try connection.query("""
            SELECT substring(e.profile_key FROM '[^/]+$') || ' ' || e.kind || ' ' || a.confidence || ' '
                   || substring(a.principal_arn FROM '[^/]+$') || ' ' || a.trail_event_id
            FROM connect_audit.change_attribution a JOIN connect_audit.change_events e ON e.id = a.event_id
            ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
    }

    static let expected = [
        "a modified ambiguous erin e11",
        "a modified ambiguous frank e12",
        "a modified exact alice e3",
        "b touched window bob e7",
        "c deleted window carol e9",
        "d recreated exact dave e10",
        "e created exact gina e15",
    ]

    @Test("every kind attributed through decoys, in either order of arrival, from all three shapes")
    func attributions() throws {
        try withFolder { folder in
            let (nights, trail) = try Self.scenario(in: folder)
            let rules = folder.appendingPathComponent("rules.yaml").path
            try "channels:\n  out: {type: stdout}\nrules:\n  - {name: all, channels: [out]}\n".write(toFile: rules, atomically: true, encoding: .utf8)
            func ingestNights(_ db: String) throws {
                for (file, at) in nights {
                    let outcome = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", at, "--rules", rules, file])
                    #expect(outcome.status == 0, "\(outcome.stderr)")
                }
            }
            func ingestTrail(_ db: String) throws -> CommandRunner.Outcome {
                try CommandRunner.run(["trail", "ingest", "--database-url", db] + trail)
            }
            let trailFirst = try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                let outcome = try ingestTrail(db)
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(outcome.stdout.contains("12 security-profile write(s): 12 new, 0 already stored; dropped 1 read-only, 1 of other services, 1 other Connect call(s)"), "\(outcome.stdout)")
                // The same files again change nothing.
                #expect(try ingestTrail(db).stdout.contains("0 new, 12 already stored"))
                try ingestNights(db)
                // The report and history show who.
                let report = try CommandRunner.run(["report", "--database-url", db, "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-13T00:00:00Z"])
                #expect(report.stdout.contains("changed by role ConnectAdmin, session alice (exact: UpdateSecurityProfile at 2026-11-10T15:30:01.000000Z, from 198.51.100.7"), "\(report.stdout)")
                let json = try CommandRunner.run(["report", "--database-url", db, "--format", "json", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-13T00:00:00Z"])
                #expect(json.stdout.contains(#""principal_arn":"arn:aws:sts::111122223333:assumed-role/ConnectAdmin/carol""#))
                // Alerts sent after the trail arrived say who.
                let alerts = try CommandRunner.run(["alerts", "deliver", "--database-url", db, "--rules", rules])
                #expect(alerts.status == 0, "\(alerts.stderr)")
                #expect(alerts.stdout.split(separator: "\n").contains { $0.contains(#""event_name":"DeleteSecurityProfile""#) && $0.contains("assumed-role/ConnectAdmin/carol") })
                let history = try CommandRunner.run(["history", "--database-url", db, F.arn("b")])
                #expect(history.stdout.contains("changed by role ConnectAdmin, session bob (window: UpdateSecurityProfile"))
                return try Self.attributions(db)
            }
            #expect(trailFirst == Self.expected)
            let trailLast = try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                try ingestNights(db)
                #expect(try ingestTrail(db).status == 0)
                return try Self.attributions(db)
            }
            #expect(trailLast == trailFirst)
        }
    }

    @Test("attribution in time and account: a tag edit is the TagResource's, never the old stamp's; no call after the capture; no other account's call")
    func attributionInTimeAndAccount() throws {
        try withFolder { folder in
            func write(_ name: String, _ text: String) throws -> String { try Self.write(text, to: name, in: folder) }
            func tagged(_ profile: String, lmt: String, tags: [String]) -> String {
                F.json(["_key": F.arn(profile), "arn": F.arn(profile), "id": profile, "organization_resource_id": F.instance,
                        "account_id": F.account, "security_profile_name": "Profile \(profile)", "last_modified_time": lmt, "tags": tags])
            }
            // Night 1 (captured 11-10 02:00): a, b, c. Night 2 (11-11 02:00): a's tags edited, its stamp unmoved;
            // b stamped 05:00 on 11-11, after the capture; c edited in the window.
            let night1 = try write("n1.ndjson", [tagged("a", lmt: "2026-11-09T10:00:00Z", tags: ["team:cx"]),
                                                 tagged("b", lmt: "2026-11-09T10:00:00Z", tags: []),
                                                 tagged("c", lmt: "2026-11-09T10:00:00Z", tags: [])].joined(separator: "\n"))
            let night2 = try write("n2.ndjson", [tagged("a", lmt: "2026-11-09T10:00:00Z", tags: ["team:billing"]),
                                                 tagged("b", lmt: "2026-11-11T05:00:00Z", tags: ["x:y"]),
                                                 tagged("c", lmt: "2026-11-10T12:00:00Z", tags: ["x:y"])].joined(separator: "\n"))
            var foreign = F.record("t6", "UpdateSecurityProfile", at: "2026-11-10T12:00:00Z", profile: "c", who: "intruder")
            foreign["recipientAccountId"] = "999988887777"
            let trail = try write("trail.json", F.json(["Records": [
                F.record("t1", "UpdateSecurityProfile", at: "2026-11-09T10:00:00Z", profile: "a", who: "alice"),  // stamped a, before night 1
                F.record("t2", "TagResource", at: "2026-11-10T16:00:00Z", profile: "a", who: "tina"),  // the tag edit, in the window
                F.record("t3", "UpdateSecurityProfile", at: "2026-11-11T05:00:00Z", profile: "b", who: "late"),  // after night 2's capture
                foreign,
            ]]))
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                for (file, at) in [(night1, "2026-11-10T02:00:00Z"), (night2, "2026-11-11T02:00:00Z")] {
                    let outcome = try CommandRunner.run(["ingest", "--database-url", db, "--captured-at", at, file])
                    #expect(outcome.status == 0, "\(outcome.stderr)")
                }
                #expect(try CommandRunner.run(["trail", "ingest", "--database-url", db, trail]).status == 0)
                #expect(try Self.attributions(db) == ["a modified window tina t2"])
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                let warnings = try connection.query("SELECT kind, profile_key FROM connect_audit.snapshot_warnings ORDER BY id")
                    .map { try $0.decode(String.self, at: 0) + " " + $0.decode(String.self, at: 1) }
                #expect(warnings == ["future_modification \(F.arn("b"))"])
            }
        }
    }

    @Test("a bad record stops the ingest, named by file and position; --skip-bad stores the rest")
    func badRecords() throws {
        try withFolder { folder in
            var broken = F.record("b1", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a")
            broken["eventID"] = nil
            let file = folder.appendingPathComponent("bad.json").path
            try F.json(["Records": [F.record("g1", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a"), broken]])
                .write(toFile: file, atomically: true, encoding: .utf8)
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                let refused = try CommandRunner.run(["trail", "ingest", "--database-url", db, file])
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("\(file):1: eventID: record 2 (UpdateSecurityProfile): missing"), "\(refused.stderr)")
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                #expect(try connection.query("SELECT count(*) FROM connect_audit.trail_events").first?.decode(Int64.self, at: 0) == 0)
                let skipped = try CommandRunner.run(["trail", "ingest", "--database-url", db, "--skip-bad", file])
                #expect(skipped.status == 0, "\(skipped.stderr)")
                #expect(skipped.stdout.contains("1 new"))
                #expect(try connection.query("SELECT count(*) FROM connect_audit.trail_events").first?.decode(Int64.self, at: 0) == 1)
            }
        }
    }

    @Test("hostile trail input: a key twice and a \\u0000 refused by position (skipped under --skip-bad), a conflicting eventID named with both places, future times warned")
    func hostileRecords() throws {
        try withFolder { folder in
            func write(_ name: String, _ text: String) throws -> String { try Self.write(text, to: name, in: folder) }
            let good = F.json(F.record("h1", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a"))
            let twice = F.json(F.record("h2", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a"))
                .replacingOccurrences(of: #""eventName":"#, with: #""eventName":"DeleteSecurityProfile","eventName":"#)
            let nul = F.json(F.record("h3", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a", who: "x\u{0}y"))
            let future = F.json(F.record("h4", "UpdateSecurityProfile", at: "2099-01-01T00:00:00Z", profile: "a"))
            let file = try write("mixed.json", "{\"Records\": [\n" + [good, twice, nul, future].joined(separator: ",\n") + "\n]}")
            try TestDatabase.withDatabase { db in
                #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
                let refused = try CommandRunner.run(["trail", "ingest", "--database-url", db, file])
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("\(file):3: record 2: ") && refused.stderr.contains("eventName"), "\(refused.stderr)")
                #expect(refused.stderr.contains("\(file):4: record 3: ") && refused.stderr.contains("u0000"), "\(refused.stderr)")
                #expect(!refused.stderr.contains("22P05"))
                let skipped = try CommandRunner.run(["trail", "ingest", "--database-url", db, "--skip-bad", file])
                #expect(skipped.status == 0, "\(skipped.stderr)")
                #expect(skipped.stdout.contains("2 security-profile write(s): 2 new"), "\(skipped.stdout)")
                #expect(skipped.stderr.contains("warning: \(file):5: eventTime: record 4 (UpdateSecurityProfile): 2099-01-01"), "\(skipped.stderr)")
                // One eventID, other content: in one input, both places named, neither stored; against the store, refused.
                let forged = F.json(F.record("h1", "DeleteSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a", who: "mallory"))
                let both = try write("both.json", "{\"Records\": [\n" + F.json(F.record("c1", "UpdateSecurityProfile", at: "2026-11-10T08:00:00Z", profile: "a")) + ",\n"
                    + F.json(F.record("c1", "UpdateSecurityProfile", at: "2026-11-10T09:00:00Z", profile: "a", who: "mallory")) + "\n]}")
                let conflict = try CommandRunner.run(["trail", "ingest", "--database-url", db, both])
                #expect(conflict.status == 1)
                #expect(conflict.stderr.contains("\(both):3: eventID: c1 is also at \(both):2 with other content"), "\(conflict.stderr)")
                let againstStore = try CommandRunner.run(["trail", "ingest", "--database-url", db, try write("forged.json", "{\"Records\": [" + forged + "]}")])
                #expect(againstStore.status == 1)
                #expect(againstStore.stderr.contains("eventID h1 is stored already with other content"), "\(againstStore.stderr)")
                let connection = try PostgresConnection(db)
                defer { connection.close() }
                #expect(try connection.query("SELECT count(*) FROM connect_audit.trail_events")[0].decode(Int64.self, at: 0) == 2)
                // The same record again is no conflict.
                #expect(try CommandRunner.run(["trail", "ingest", "--database-url", db, "--skip-bad", file]).stdout.contains("0 new, 2 already stored"))
            }
        }
    }

    @Test("trail files past the size limit are refused: a plain one unread, a gzip bomb cut while inflating")
    func sizeLimits() throws {
        try withFolder { folder in
            let big = folder.appendingPathComponent("big.json").path
            #expect(FileManager.default.createFile(atPath: big, contents: nil))
            let handle = try #require(FileHandle(forWritingAtPath: big))
            try handle.truncate(atOffset: 129 << 20)  // sparse: no disk, no time
            try handle.close()
            let plain = try CommandRunner.run(["trail", "ingest", "--database-url", "postgresql://nobody@/nowhere?host=/nonexistent", big])
            #expect(plain.status == 1)
            #expect(plain.stderr.contains("larger than 128 MiB"), "\(plain.stderr)")
            let bomb = folder.appendingPathComponent("bomb.json.gz").path
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
            gzip.arguments = ["-c", "head -c 200000000 /dev/zero | gzip -1 > '\(bomb)'"]
            try gzip.run()
            gzip.waitUntilExit()
            let inflated = try CommandRunner.run(["trail", "ingest", "--database-url", "postgresql://nobody@/nowhere?host=/nonexistent", bomb])
            #expect(inflated.status == 1)
            #expect(inflated.stderr.contains("once unpacked"), "\(inflated.stderr)")
        }
    }
}

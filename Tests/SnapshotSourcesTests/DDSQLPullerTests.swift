import AuditModel
import AuditTime
import Foundation
import SnapshotReading
import SnapshotSources
import Testing
import TestSupport

/// Runs the DDSQL stand-in with `behaviour` (keys `api-key`/`app-key` unless given).
func withDDSQLServer<T>(_ behaviour: [String: Any], _ body: (StandInServer) throws -> T) throws -> T {
    let keys: [String: Any] = ["api_key": "api-key", "app_key": "app-key"]
    return try StandInServer.with(
        script: "Tests/SnapshotSourcesTests/Fixtures/ddsql_server.py", behaviour: keys.merging(behaviour) { _, given in given }, body)
}

@Suite("pull ddsql against a local stand-in of Datadog's DDSQL API")
struct DDSQLPullerTests {
    func puller(_ server: StandInServer, apiKey: String = "api-key") -> DDSQLPuller {
        var puller = DDSQLPuller(endpoint: URL(string: server.base)!, apiKey: apiKey, applicationKey: "app-key")
        puller.backoff = Backoff(attempts: 6, base: 0.01, cap: 0.05, jitter: false)
        puller.pollInterval = 0.01
        return puller
    }

    @Test("aws.connect_user in keyset pages: every user, read as a user export; identity_info, phone_config and directory_user_id never asked for")
    func users() throws {
        try withFolder { folder in
            try withDDSQLServer(["rows": 40, "users": 2_345, "running_polls": 1, "fail_429": 1]) { server in
                let out = folder.appendingPathComponent("users.ndjson").path
                var users = puller(server)
                users.table = .users
                users.pageSize = 1_000
                let summary = try users.pull(to: out)
                #expect(summary.rows == 2_345 && summary.pages == 3)
                let written = try String(contentsOfFile: out, encoding: .utf8)
                let read = try UserExport.read(Array(written.utf8), file: out)
                #expect(read.count == 2_345 && Set(read.map(\.user.key)).count == 2_345)
                #expect(read.allSatisfy { !$0.user.securityProfileIDs.isEmpty && $0.user.username?.hasPrefix("agent.") == true })
                #expect(UserExport.isUserExport(Array(written.utf8)))
                for personal in ["identity_info", "phone_config", "directory_user_id", "example.com", "+4420700"] {
                    #expect(!written.contains(personal), "\(personal)")
                }
                let queries = try server.requests().filter { $0["status"] as? Int == 200 }.compactMap { $0["body"] as? String }
                    .filter { $0.contains("aws.connect_user") }
                #expect(queries.count == 3 && queries.allSatisfy { !$0.contains("identity_info") && !$0.contains("phone_config") })
            }
        }
    }

    @Test("23,456 rows in keyset pages, through polling, 429s and 500s, read back as exactly the table")
    func wholeTable() throws {
        try withFolder { folder in
            let dump = folder.appendingPathComponent("table.json").path
            try withDDSQLServer(["rows": 23_456, "running_polls": 2, "fail_429": 2, "fail_500": 2, "dump": dump]) { server in
                let out = folder.appendingPathComponent("night.ndjson").path
                let summary = try puller(server).pull(to: out)
                #expect(summary.rows == 23_456)
                #expect(summary.pages == 3)
                #expect(summary.polls == 6)
                #expect(summary.retries == 4)
                let pulled = try SnapshotAssembler.snapshot([(out, Array(try Data(contentsOf: URL(fileURLWithPath: out))))])
                let table = try SnapshotAssembler.snapshot([(dump, Array(try Data(contentsOf: URL(fileURLWithPath: dump))))], format: .ddsql, countIsComplete: true)
                #expect(pulled.count == table.count)
                let expected = Dictionary(uniqueKeysWithValues: table.records.map { ($0.profile.key, $0.profile) })
                var mismatches = 0
                for record in pulled.records where expected[record.profile.key] != record.profile { mismatches += 1 }
                #expect(mismatches == 0)
                // The record beside it: when the pull started, and the file's digest.
                let record = try #require(summary.record)
                #expect(record.rows == 23_456)
                let started = try #require(try PulledFile.capturedAt(of: out))
                #expect(Instant(parsing: record.startedAt) == started)
                // Every request carried both keys; the keyset pages asked for what followed.
                let requests = try server.requests()
                #expect(requests.allSatisfy { $0["keys_ok"] as? Bool == true })
                let queries = requests.compactMap { request -> String? in
                    guard request["path"] as? String == "/api/v2/ddsql/query/tabular", request["status"] as? Int == 200 else { return nil }
                    let body = try? JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any]
                    return ((body?["data"] as? [String: Any])?["attributes"] as? [String: Any])?["query"] as? String
                }
                #expect(queries.count == 3)
                #expect(!queries[0].contains("WHERE"))
                #expect(queries[1].contains("WHERE _key > 'arn:aws:connect:"))
            }
        }
    }

    @Test("a wrong key fails at once with the API's message, leaves no file, and is never printed")
    func wrongKey() throws {
        try withFolder { folder in
            try withDDSQLServer(["rows": 10]) { server in
                let out = folder.appendingPathComponent("night.ndjson").path
                do {
                    _ = try puller(server, apiKey: "secret-wrong-key").pull(to: out)
                    Issue.record("pulled with a wrong key")
                } catch let error as PullError {
                    #expect(error.description.contains("HTTP 403: Forbidden"))
                    #expect(error.description.contains("DD_API_KEY"))
                    #expect(!error.description.contains("secret-wrong-key"))
                }
                #expect(try server.requests().count == 1, "a 403 is not retried")
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            }
        }
    }

    @Test("a service that keeps failing: the pull fails after its tries and leaves the old file as it was")
    func keepsFailing() throws {
        try withFolder { folder in
            try withDDSQLServer(["rows": 10, "fail_500": 100]) { server in
                let out = folder.appendingPathComponent("night.ndjson").path
                try "old night\n".write(toFile: out, atomically: true, encoding: .utf8)
                #expect(throws: PullError.self) { try puller(server).pull(to: out) }
                #expect(try server.requests().count == 6)
                #expect(try String(contentsOfFile: out, encoding: .utf8) == "old night\n")
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["night.ndjson"])
            }
        }
    }

    @Test("an empty table, or pages out of _key order, write nothing")
    func refusedAnswers() throws {
        try withFolder { folder in
            let out = folder.appendingPathComponent("night.ndjson").path
            _ = try withDDSQLServer(["rows": 0]) { server in
                #expect(throws: PullError.self) { try puller(server).pull(to: out) }
            }
            try withDDSQLServer(["rows": 30, "shuffle_page": 2]) { server in
                var paged = puller(server)
                paged.pageSize = 10
                do {
                    _ = try paged.pull(to: out)
                    Issue.record("pulled pages out of order")
                } catch let error as PullError {
                    #expect(error.description.contains("not in _key order"))
                }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        }
    }

    @Test("a key with a quote is escaped in the next page's statement")
    func quoting() {
        let puller = DDSQLPuller(endpoint: URL(string: "https://api.datadoghq.com")!, apiKey: "a", applicationKey: "b")
        #expect(puller.page(after: "it's") == "SELECT _key, account_id, allowed_access_control_hierarchy_group_id, allowed_access_control_tags, arn, description, hierarchy_restricted_resources, id, last_modified_region, last_modified_time, organization_resource_id, security_profile_name, tag_restricted_resources, tags FROM aws.connect_security_profile WHERE _key > 'it''s' ORDER BY _key LIMIT 10000")
        #expect(DDSQLPuller.endpoint(site: "datadoghq.eu")?.absoluteString == "https://api.datadoghq.eu")
        #expect(DDSQLPuller.endpoint(site: "evil.com/x?") == nil)
    }
}

import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("Slack, Teams and PagerDuty payloads, and digests, against a local receiver", .serialized)
struct ChannelDeliveryTests {
    /// Ingests two nights of `count` generated profiles with `rules`; night 2 edits a tenth of
    /// them (each loses a tag restriction: modified, widened, high).
    static func twoNights(_ db: String, count: Int, rules: String, files: NightlyFiles) throws {
        #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
        for night in 1...2 {
            let file = try files.write(NightlyFiles.profiles(count: count, night: night), name: "night-\(night)-\(count).ndjson")
            let outcome = try CommandRunner.run(["ingest", "--database-url", db, "--rules", rules, "--captured-at", "2026-11-0\(night)T02:00:00Z", file])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
    }

    static func bodies(_ receiver: AlertReceiver) throws -> [[String: Any]] {
        try receiver.requests().compactMap { request in
            try JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any]
        }
    }

    /// A receiver, a database with `count` profiles over two nights ingested with the rules
    /// `yaml(receiverURL)` gives, then `body(db, rulesPath, receiver)`.
    static func scenario(
        count: Int, receiver behaviour: String = "{}", rules yaml: (String) -> String, _ body: (String, String, AlertReceiver) throws -> Void
    ) throws {
        let receiver = try AlertReceiver(behaviour)
        defer { receiver.stop() }
        let files = try NightlyFiles()
        defer { files.remove() }
        let rules = files.folder.appendingPathComponent("rules.yaml").path
        try yaml(receiver.url).write(toFile: rules, atomically: true, encoding: .utf8)
        try TestDatabase.withDatabase { db in
            try Self.twoNights(db, count: count, rules: rules, files: files)
            try body(db, rules, receiver)
        }
    }

    @Test("one alert through each channel: Block Kit to Slack, an Adaptive Card to Teams, an Events API v2 trigger to PagerDuty")
    func payloads() throws {
        try Self.scenario(count: 10, rules: { url in
            """
            channels:
              chat: {type: slack, url_from_env: TEST_SLACK_URL}
              room: {type: teams, url_from_env: TEST_TEAMS_URL}
              pager: {type: pagerduty, routing_key_from_env: TEST_PD_KEY, url: "\(url)"}
            rules:
              - {name: widened, drift: [widened], kinds: [modified], channels: [chat, room, pager]}
            """
        }) { db, rules, receiver in
            let deliver = try CommandRunner.run(
                ["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "5"],
                environment: ["TEST_SLACK_URL": receiver.url, "TEST_TEAMS_URL": receiver.url, "TEST_PD_KEY": "pd-routing-key-7"])
            #expect(deliver.status == 0, "\(deliver.stderr)")
            #expect(deliver.stderr.contains("delivered 3"), "\(deliver.stderr)")
            let bodies = try Self.bodies(receiver)
            #expect(bodies.count == 3)
            let slack = try #require(bodies.first { $0["blocks"] != nil })
            let blocks = try #require(slack["blocks"] as? [[String: Any]])
            #expect(blocks.first?["type"] as? String == "header")
            #expect((blocks.first?["text"] as? [String: Any])?["type"] as? String == "plain_text")
            let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
            #expect(fields.contains { ($0["text"] as? String)?.hasPrefix("*Severity*\nhigh") == true })
            #expect(fields.contains { ($0["text"] as? String) == "*Account*\n123456789012" })
            #expect((slack["text"] as? String)?.contains("[high] widened: modified Profile 3") == true)
            let teams = try #require(bodies.first { $0["type"] as? String == "message" })
            let attachment = try #require((teams["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
            let card = try #require(attachment["content"] as? [String: Any])
            #expect(card["type"] as? String == "AdaptiveCard")
            #expect((card["body"] as? [[String: Any]])?.map { $0["type"] as? String } == ["TextBlock", "FactSet"])
            let pager = try #require(bodies.first { $0["routing_key"] != nil })
            #expect(pager["routing_key"] as? String == "pd-routing-key-7")
            #expect(pager["event_action"] as? String == "trigger")
            #expect((pager["dedup_key"] as? String)?.hasPrefix("connect-audit-alert-") == true)
            let payload = try #require(pager["payload"] as? [String: Any])
            #expect(payload["severity"] as? String == "error", "high maps to PagerDuty's error")
            #expect(payload["source"] as? String == "connect-audit")
            #expect((payload["summary"] as? String)?.isEmpty == false)
            // The secrets came from the environment and never reached the outbox.
            let list = try CommandRunner.run(["alerts", "list", "--all", "--database-url", db])
            #expect(!list.stdout.contains("pd-routing-key-7"))
        }
    }

    @Test("60 matching changes in one night reach a channel as one digest; the outbox still holds all 60")
    func digest() throws {
        try Self.scenario(count: 600, rules: { _ in
            """
            channels:
              chat: {type: slack, url_from_env: TEST_SLACK_URL}
            rules:
              - {name: widened, drift: [widened], kinds: [modified], channels: [chat]}
            """
        }) { db, rules, receiver in
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            #expect(try connection.query("SELECT count(*) FROM connect_audit.alert_outbox WHERE state = 'digested' AND digest_id IS NOT NULL").first?.decode(Int64.self, at: 0) == 60)
            #expect(try connection.query("SELECT count(*) FROM connect_audit.alert_digests").first?.decode(Int64.self, at: 0) == 1)
            let deliver = try CommandRunner.run(["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "5"], environment: ["TEST_SLACK_URL": receiver.url])
            #expect(deliver.status == 0, "\(deliver.stderr)")
            let bodies = try Self.bodies(receiver)
            #expect(bodies.count == 1)
            let text = bodies.first?["text"] as? String
            #expect(text == "60 alerts from one ingest: 60 high")
            let blocks = bodies.first?["blocks"] as? [[String: Any]] ?? []
            let list = ((blocks.count > 1 ? blocks[1]["text"] : nil) as? [String: Any])?["text"] as? String ?? ""
            #expect(list.split(separator: "\n").filter { $0.hasPrefix("•") }.count == 10)
            #expect(try connection.query("SELECT state FROM connect_audit.alert_digests").first?.decode(String.self, at: 0) == "delivered")
            let digestID = try #require(try connection.query("SELECT id FROM connect_audit.alert_digests").first?.decode(Int64.self, at: 0))
            let listed = try CommandRunner.run(["alerts", "list", "--digest", String(digestID), "--database-url", db])
            #expect(listed.stdout.split(separator: "\n").count == 60)
        }
    }

    @Test("Splunk HEC: each alert an event the collector accepts, through a flaky collector, once each; a busy night one digest event; a wrong token fails, never printed")
    func splunkHEC() throws {
        let yaml = { (base: String) in
            """
            channels:
              siem: {type: splunk, url: "\(base)", token_from_env: TEST_HEC_TOKEN, index: security, digest_over: 20}
            rules:
              - {name: widened, drift: [widened], kinds: [modified], channels: [siem]}
            """
        }
        // AlertReceiver's `url` ends in /hook; the channel takes the collector's root.
        try Self.scenario(count: 30, receiver: #"{"hec_token": "hec-token-5d1", "fail_first": 2, "fail_status": 503}"#, rules: { yaml(String($0.dropLast("/hook".count))) }) { db, rules, receiver in
            let deliver = try CommandRunner.run(
                ["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "10"], environment: ["TEST_HEC_TOKEN": "hec-token-5d1"])
            #expect(deliver.status == 0, "\(deliver.stderr)")
            #expect(deliver.stderr.contains("delivered 3"), "\(deliver.stderr)")
            let accepted = try receiver.requests().filter { $0["status"] as? Int == 200 }
            #expect(accepted.count == 3 && accepted.allSatisfy { $0["path"] as? String == "/services/collector/event" })
            #expect(Set(accepted.compactMap { $0["key"] as? String }).count == 3, "each alert once")
            let envelopes = accepted.compactMap { try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any] }
            for envelope in envelopes {
                #expect(envelope["index"] as? String == "security" && envelope["sourcetype"] as? String == "connect-audit")
                #expect(envelope["time"] is Double || envelope["time"] is Int)
                let event = envelope["event"] as? [String: Any]
                #expect(event?["subject"] as? String == "profile" && event?["severity"] as? String == "high")
                #expect((envelope["fields"] as? [String: String])?["drift"] == "widened")
            }
            let wrong = try CommandRunner.run(
                ["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "1"], environment: ["TEST_HEC_TOKEN": "not-the-token-93"])
            #expect(!wrong.stdout.contains("not-the-token-93") && !wrong.stderr.contains("not-the-token-93"))
            let list = try CommandRunner.run(["alerts", "list", "--all", "--database-url", db])
            #expect(!list.stdout.contains("hec-token-5d1"))
        }
        try Self.scenario(count: 600, receiver: #"{"hec_token": "hec-token-5d1"}"#, rules: { yaml(String($0.dropLast("/hook".count))) }) { db, rules, receiver in
            let deliver = try CommandRunner.run(
                ["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "5"], environment: ["TEST_HEC_TOKEN": "hec-token-5d1"])
            #expect(deliver.status == 0, "\(deliver.stderr)")
            let requests = try receiver.requests()
            #expect(requests.count == 1 && requests.first?["status"] as? Int == 200)
            let envelope = try JSONSerialization.jsonObject(with: Data((requests.first?["body"] as? String ?? "").utf8)) as? [String: Any]
            #expect((envelope?["event"] as? [String: Any])?["alerts"] as? Int == 60)
            #expect((envelope?["fields"] as? [String: String])?["subject"] == "digest")
        }
        // A token the collector refuses: the delivery fails with HEC's answer, the token masked.
        try Self.scenario(count: 10, receiver: #"{"hec_token": "hec-token-5d1"}"#, rules: { yaml(String($0.dropLast("/hook".count))) }) { db, rules, receiver in
            let wrong = try CommandRunner.run(
                ["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "1"], environment: ["TEST_HEC_TOKEN": "not-the-token-93"])
            #expect(!wrong.stderr.contains("delivered 1"), "\(wrong.stderr)")
            #expect(try receiver.requests().first?["status"] as? Int == 403)
            let list = try CommandRunner.run(["alerts", "list", "--all", "--database-url", db])
            #expect(list.stdout.contains("Invalid token") || list.stdout.contains("403"), "\(list.stdout)")
            #expect(!list.stdout.contains("not-the-token-93") && !wrong.stderr.contains("not-the-token-93"))
        }
    }

    /// A database with `count` profiles over two nights, alerting to Datadog (the stand-in
    /// that checks each event with datadog-api-client's models), then `body(db, rules, server)`.
    static func datadogScenario(count: Int, failFirst: Int = 0, _ body: (String, String, StandInServer) throws -> Void) throws {
        let server = try StandInServer(
            script: "Tests/AuditCLITests/Fixtures/datadog_server.py",
            behaviour: #"{"api_key": "dd-api-4c2", "app_key": "dd-app-8e7", "fail_first": \#(failFirst)}"#, python: VendorPython.interpreter)
        defer { server.stop() }
        let files = try NightlyFiles()
        defer { files.remove() }
        let rules = files.folder.appendingPathComponent("rules.yaml").path
        try """
            channels:
              dd: {type: datadog, url: "\(server.base)", digest_over: 20}
            rules:
              - {name: widened, drift: [widened], kinds: [modified], channels: [dd]}
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        try TestDatabase.withDatabase { db in
            try Self.twoNights(db, count: count, rules: rules, files: files)
            try body(db, rules, server)
        }
    }

    @Test("Datadog: each alert an event datadog-api-client's models accept, tagged for monitors, through a flaky intake once each; a busy night one digest event")
    func datadogEvents() throws {
        let keys = ["DD_API_KEY": "dd-api-4c2", "DD_APP_KEY": "dd-app-8e7"]
        try Self.datadogScenario(count: 30, failFirst: 2) { db, rules, server in
            let deliver = try CommandRunner.run(["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "10"], environment: keys)
            #expect(deliver.status == 0, "\(deliver.stderr)")
            #expect(deliver.stderr.contains("delivered 3"), "\(deliver.stderr)")
            let requests = try server.requests()
            #expect(requests.allSatisfy { $0["status"] as? Int != 400 }, "\(requests.compactMap { $0["reason"] as? String })")
            let accepted = requests.filter { $0["status"] as? Int == 202 }
            #expect(accepted.count == 3 && Set(accepted.compactMap { $0["key"] as? String }).count == 3)
            for request in accepted {
                let body = try JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any]
                let attributes = (body?["data"] as? [String: Any])?["attributes"] as? [String: Any]
                let tags = Set(attributes?["tags"] as? [String] ?? [])
                #expect(tags.isSuperset(of: ["severity:high", "drift:widened", "kind:modified", "subject:profile", "account:123456789012", "rule:widened"]))
                #expect(tags.contains { $0.hasPrefix("instance:") })
                let alert = attributes?["attributes"] as? [String: Any]
                #expect(alert?["status"] as? String == "error" && alert?["priority"] as? String == "2")
                #expect((alert?["custom"] as? [String: Any])?["severity"] as? String == "high")
            }
            let list = try CommandRunner.run(["alerts", "list", "--all", "--database-url", db])
            #expect(!list.stdout.contains("dd-api-4c2") && !list.stdout.contains("dd-app-8e7") && !deliver.stderr.contains("dd-api-4c2"))
        }
        try Self.datadogScenario(count: 600) { db, rules, server in
            let deliver = try CommandRunner.run(["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "5"], environment: keys)
            #expect(deliver.status == 0, "\(deliver.stderr)")
            let requests = try server.requests()
            #expect(requests.count == 1 && requests.first?["status"] as? Int == 202, "\(requests.compactMap { $0["reason"] as? String })")
            let body = try JSONSerialization.jsonObject(with: Data((requests.first?["body"] as? String ?? "").utf8)) as? [String: Any]
            let attributes = (body?["data"] as? [String: Any])?["attributes"] as? [String: Any]
            #expect(((attributes?["attributes"] as? [String: Any])?["custom"] as? [String: Any])?["alerts"] as? Int == 60)
            #expect((attributes?["tags"] as? [String])?.contains("subject:digest") == true)
        }
    }
}

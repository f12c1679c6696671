import Foundation
import PostgresClient
import Testing
import TestSupport

/// The webhook receiver of `Fixtures/alert_receiver.py`, on 127.0.0.1.
final class AlertReceiver {
    private let server: StandInServer

    init(_ behaviour: String) throws {
        server = try StandInServer(script: "Tests/AuditCLITests/Fixtures/alert_receiver.py", behaviour: behaviour)
    }

    var url: String { server.base + "/hook" }
    /// The server's root, for receivers that own their paths (Splunk HEC).
    var base: String { server.base }

    /// The requests received, in order.
    func requests() throws -> [[String: Any]] { try server.requests() }

    func stop() { server.stop() }
}

/// A demo week ingested with rules that send every high and critical event to a webhook.
enum AlertFixture {
    static func rules(url: String, timeout: Double = 5) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).yaml").path
        try """
            channels:
              hook: {type: webhook, url: "\(url)", style: json, timeout: \(timeout), headers_from_env: {Authorization: ALERT_TOKEN}}
              pg: {type: notify, channel: test_alerts}
            rules:
              - name: high-and-up
                min_severity: high
                channels: [hook]
              - name: widened-to-pg
                drift: [widened]
                channels: [pg]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `body` on a fresh copy of the sample week ingested with `rules(url:)` (built once
    /// per test process; the outbox names channels, so any receiver's URL serves), with the
    /// ids of the webhook alerts.
    static func withWeek(_ body: (String, [Int64]) throws -> Void) throws {
        let template = try TemplateDatabases.shared.template("alerts") { conninfo in
            _ = try ingestWeek(conninfo, rules: try rules(url: "http://127.0.0.1:9/unused"))
        }
        try TestDatabase.withDatabase(template: template) { db in
            let connection = try PostgresConnection(db)
            let alerts = try connection.query("SELECT id FROM connect_audit.alert_outbox WHERE channel = 'hook' ORDER BY id")
                .map { try $0.decode(Int64.self, at: 0) }
            connection.close()
            try body(db, alerts)
        }
    }

    /// Ingests the sample week with `rules`; returns the ids of the webhook alerts.
    static func ingestWeek(_ db: String, rules: String) throws -> [Int64] {
        #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
        let samples = try FileManager.default.contentsOfDirectory(atPath: DemoDatabase.root.appendingPathComponent("samples").path).sorted()
        for file in samples {
            let outcome = try CommandRunner.run([
                "ingest", "--database-url", db, "--rules", rules, "--captured-at", "\(file.prefix(10))T02:00:00Z",
                DemoDatabase.root.appendingPathComponent("samples/\(file)").path,
            ])
            guard outcome.status == 0 else { throw TestSetupError("ingest failed: \(outcome.stderr)") }
        }
        let connection = try PostgresConnection(db)
        defer { connection.close() }
        return try connection.query("SELECT id FROM connect_audit.alert_outbox WHERE channel = 'hook' ORDER BY id").map { try $0.decode(Int64.self, at: 0) }
    }

    static func states(_ db: String) throws -> [String: Int] {
        let connection = try PostgresConnection(db)
        defer { connection.close() }
        var states: [String: Int] = [:]
        for row in try connection.query("SELECT state, count(*) FROM connect_audit.alert_outbox WHERE channel = 'hook' GROUP BY state") {
            states[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return states
    }

    static func deliver(_ db: String, rules: String, maxWait: Int = 30) throws -> CommandRunner.Outcome {
        try CommandRunner.run(["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", String(maxWait)],
                              environment: ["ALERT_TOKEN": "Bearer test-secret"])
    }
}

@Suite("alert delivery to a local webhook", .serialized)
struct AlertDeliveryTests {
    @Test("Retry-After: inf (or 1e300) blocks nothing: the alert is retried on the usual backoff and every alert arrives", arguments: ["inf", "1e300"])
    func unboundedRetryAfter(value: String) throws {
        let receiver = try AlertReceiver(#"{"fail_first": 1, "fail_status": 429, "retry_after": "\#(value)"}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, alerts in
            let outcome = try AlertFixture.deliver(db, rules: rules, maxWait: 600)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            if value == "inf" {
                #expect(try AlertFixture.states(db) == ["delivered": alerts.count])
            } else {
                // 1e300 seconds is honoured up to a day: that alert waits, the others go.
                #expect(try AlertFixture.states(db) == ["delivered": alerts.count - 1, "pending": 1])
            }
        }
    }

    @Test("a receiver that echoes the Authorization header: the token is neither stored nor printed, its escapes are shown inert")
    func echoedSecret() throws {
        let receiver = try AlertReceiver(#"{"always": 400, "echo": true}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, _ in
            #expect(try AlertFixture.deliver(db, rules: rules).status == 0)
            #expect(try receiver.requests().first?["authorization"] as? String == "Bearer test-secret")
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            let errors = try connection.query("SELECT last_error FROM connect_audit.alert_outbox WHERE channel = 'hook'")
                .map { try $0.decode(String.self, at: 0) }
            #expect(!errors.isEmpty)
            #expect(errors.allSatisfy { $0.contains("Authorization: ***") && !$0.contains("test-secret") }, "\(errors)")
            let list = try CommandRunner.run(["alerts", "list", "--database-url", db])
            #expect(list.status == 0)
            #expect(list.stdout.contains("HTTP 400"))
            #expect(!list.stdout.contains("test-secret"))
            #expect(!list.stdout.contains("\u{1B}"))
            #expect(list.stdout.contains("\\u{1B}[31m"))
        }
    }

    @Test("a receiver failing the first requests with 500 gets every alert, with idempotency keys and the secret header")
    func retriesServerErrors() throws {
        let receiver = try AlertReceiver(#"{"fail_first": 3, "fail_status": 500}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, alerts in
            // The week's high and critical events: none on the first night (its profiles are
            // discovered: an initial load is no change), six after.
            #expect(alerts.count == 6)
            let outcome = try AlertFixture.deliver(db, rules: rules)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(try AlertFixture.states(db) == ["delivered": alerts.count])
            let requests = try receiver.requests()
            #expect(requests.count == alerts.count + 3)
            let delivered = Set(requests.filter { $0["status"] as? Int == 200 }.compactMap { $0["key"] as? String })
            #expect(delivered == Set(alerts.map(String.init)))
            #expect(requests.allSatisfy { $0["authorization"] as? String == "Bearer test-secret" })
            let body = try #require(requests.last?["body"] as? String)
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(payload["rule"] as? String == "high-and-up")
            #expect(["high", "critical"].contains(payload["severity"] as? String ?? ""))
        }
    }

    @Test("429 with Retry-After is honoured before the next attempt")
    func honoursRetryAfter() throws {
        let receiver = try AlertReceiver(#"{"fail_first": 1, "fail_status": 429, "retry_after": 2}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, alerts in
            #expect(try AlertFixture.deliver(db, rules: rules).status == 0)
            #expect(try AlertFixture.states(db) == ["delivered": alerts.count])
            let requests = try receiver.requests()
            let first = try #require(requests.first)
            #expect(first["status"] as? Int == 429)
            let retry = try #require(requests.first { ($0["key"] as? String) == (first["key"] as? String) && $0["status"] as? Int == 200 })
            let waited = (retry["time"] as? Double ?? 0) - (first["time"] as? Double ?? 0)
            #expect(waited >= 1.9, "the retry came \(waited) s after a Retry-After of 2 s")
        }
    }

    @Test("a 400 marks the alert failed with the response recorded; retry puts it back")
    func clientErrorsFail() throws {
        let receiver = try AlertReceiver(#"{"always": 400}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, alerts in
            #expect(try AlertFixture.deliver(db, rules: rules).status == 0)
            #expect(try AlertFixture.states(db) == ["failed": alerts.count])
            #expect(try receiver.requests().count == alerts.count)
            let list = try CommandRunner.run(["alerts", "list", "--database-url", db])
            #expect(list.stdout.contains("failed"))
            #expect(list.stdout.contains("HTTP 400: rejected by the test receiver"))
            let retry = try CommandRunner.run(["alerts", "retry", String(alerts[0]), "--database-url", db])
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(try AlertFixture.states(db) == ["failed": alerts.count - 1, "pending": 1])
            #expect(try CommandRunner.run(["alerts", "retry", "999999", "--database-url", db]).status == 1)
        }
    }

    @Test("a request that hangs past the timeout is retried and delivered")
    func retriesTimeouts() throws {
        let receiver = try AlertReceiver(#"{"hang_first": 1, "hang_seconds": 4}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url, timeout: 1)
        try AlertFixture.withWeek { db, alerts in
            let outcome = try AlertFixture.deliver(db, rules: rules)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(try AlertFixture.states(db) == ["delivered": alerts.count])
            let connection = try PostgresConnection(db)
            defer { connection.close() }
            let attempts = try connection.query("SELECT max(attempts) FROM connect_audit.alert_outbox WHERE channel = 'hook'")[0].decode(Int.self, at: 0)
            #expect(attempts == 2)
        }
    }

    @Test("deliver killed mid-batch and run again: every alert arrives, exactly once after de-duplication")
    func killedMidBatch() throws {
        let receiver = try AlertReceiver(#"{"delay": 0.3}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, alerts in
            let (process, out, err) = try CommandRunner.start(
                ["alerts", "deliver", "--database-url", db, "--rules", rules], environment: ["ALERT_TOKEN": "x"])
            // Wait until some, not all, alerts have reached the receiver, then kill.
            let deadline = ContinuousClock.now + .seconds(20)
            while try receiver.requests().count < 2, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
            kill(process.processIdentifier, SIGKILL)
            _ = CommandRunner.finish(process, out, err)
            let before = try receiver.requests().count
            #expect(before >= 2 && before < alerts.count, "killed after \(before) of \(alerts.count)")
            #expect(try AlertFixture.deliver(db, rules: rules).status == 0)
            #expect(try AlertFixture.states(db) == ["delivered": alerts.count])
            let keys = try receiver.requests().compactMap { $0["key"] as? String }
            #expect(Set(keys) == Set(alerts.map(String.init)))
            #expect(keys.count <= alerts.count + 1, "at most the alert in flight is sent twice")
        }
    }

    @Test("two deliver processes together send each alert once")
    func twoDeliverers() throws {
        let receiver = try AlertReceiver(#"{"delay": 0.1}"#)
        defer { receiver.stop() }
        let rules = try AlertFixture.rules(url: receiver.url)
        try AlertFixture.withWeek { db, alerts in
            let arguments = ["alerts", "deliver", "--database-url", db, "--rules", rules]
            let a = try CommandRunner.start(arguments, environment: ["ALERT_TOKEN": "x"])
            let b = try CommandRunner.start(arguments, environment: ["ALERT_TOKEN": "x"])
            #expect(CommandRunner.finish(a.0, a.1, a.2).status == 0)
            #expect(CommandRunner.finish(b.0, b.1, b.2).status == 0)
            let keys = try receiver.requests().compactMap { $0["key"] as? String }
            #expect(keys.sorted() == alerts.map(String.init).sorted())
        }
    }

    @Test("the slack style posts a text line; the stdout channel prints one JSON line per alert")
    func slackAndStdout() throws {
        let receiver = try AlertReceiver(#"{}"#)
        defer { receiver.stop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).yaml").path
        try """
            channels:
              chat: {type: webhook, url: "\(receiver.url)", style: slack}
              out: {type: stdout}
            rules:
              - {name: critical-to-chat, min_severity: critical, channels: [chat]}
              - {name: deletions, kinds: [deleted], profile_name: "Temp*", channels: [out]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        try TestDatabase.withDatabase { db in
            _ = try AlertFixture.ingestWeek(db, rules: path)
            let outcome = try AlertFixture.deliver(db, rules: path)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let lines = outcome.stdout.split(separator: "\n")
            // The rule matches the deleted profile by name: known when the alert is written.
            try #require(lines.count == 1)
            let printed = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            #expect(printed["kind"] as? String == "deleted")
            #expect(printed["profile_name"] as? String == "Temp Contractor – EMEA")
            let texts = try receiver.requests().compactMap { request -> String? in
                let body = try JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any]
                return body?["text"] as? String
            }
            // Break-glass Admin (created with administrative permissions) and Tier2 Agent – EMEA
            // (allowed tags emptied while tag-restricted); Monday's profiles are discovered.
            #expect(texts.count == 2)
            #expect(texts.allSatisfy { $0.hasPrefix("[critical] widened: ") && $0.hasSuffix("- rule critical-to-chat") })
            #expect(texts.contains { $0.contains("Break-glass Admin") })
        }
    }

    @Test("ingest --rules: a watch process prints the events and a NOTIFY channel receives the alerts")
    func watchAndNotify() throws {
        let rules = try AlertFixture.rules(url: "http://127.0.0.1:9/unused")
        try TestDatabase.withDatabase { db in
            #expect(try CommandRunner.run(["migrate", "--database-url", db]).status == 0)
            let listener = try PostgresConnection(db)
            defer { listener.close() }
            try listener.listen("test_alerts")
            let (watch, out, err) = try CommandRunner.start(["watch", "--database-url", db, "--seconds", "30"])
            // Wait until watch is listening (it says so on stderr).
            var said = ""
            while !said.contains("watching") {
                let chunk = err.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                said += String(decoding: chunk, as: UTF8.self)
            }
            // Monday discovers 20 profiles (no alert); Tuesday changes two: one widened.
            for day in ["2026-11-16", "2026-11-17"] {
                let night = DemoDatabase.root.appendingPathComponent("samples/\(day).ndjson").path
                let ingest = try CommandRunner.run(["ingest", "--database-url", db, "--rules", rules, "--captured-at", "\(day)T02:00:00Z", night])
                #expect(ingest.status == 0, "\(ingest.stderr)")
            }
            // 22 events: read watch's lines until all arrived (bounded).
            var printed = ""
            let deadline = ContinuousClock.now + .seconds(20)
            while printed.split(separator: "\n").count < 22, ContinuousClock.now < deadline {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                printed += String(decoding: chunk, as: UTF8.self)
            }
            kill(watch.processIdentifier, SIGKILL)
            watch.waitUntilExit()
            let lines = printed.split(separator: "\n")
            #expect(lines.count == 22)
            #expect(lines.filter { $0.contains("\"kind\":\"discovered\"") }.count == 20)
            #expect(lines.filter { $0.contains("\"kind\":\"modified\"") }.count == 2)
            // Only the widened change reached the NOTIFY channel: discovered profiles raise no alert.
            var notes: [PostgresNotification] = []
            while let note = try listener.waitForNotification(timeout: .seconds(notes.isEmpty ? 5 : 1)) { notes.append(note) }
            #expect(notes.count == 1)
            #expect(notes.first?.payload.contains("Tier1 Agent") == true)
            #expect(notes.allSatisfy { $0.channel == "test_alerts" && $0.payload.contains("\"rule\":\"widened-to-pg\"") })
        }
    }
}

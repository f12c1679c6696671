import Foundation
import Testing
import TestSupport

/// Network commands against servers that misbehave on purpose: a redirect to another host,
/// a server that sends one byte at a time.
@Suite("hostile networks", .serialized)
struct HostileNetworkTests {
    static let script = "Tests/SnapshotSourcesTests/Fixtures/hostile_server.py"

    @Test("a webhook answering 307 to another host: nothing reaches that host, the alert is failed, not delivered", arguments: [302, 307])
    func webhookRedirect(status: Int) throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "ok"]) { (other: StandInServer) throws(any Error) in
            try StandInServer.with(script: Self.script, behaviour: ["mode": "redirect", "status": status, "location": "http://localhost:\(other.port)/steal"]) { (hook: StandInServer) throws(any Error) in
                let rules = try AlertFixture.rules(url: hook.base + "/hook")
                try AlertFixture.withWeek { db, alerts in
                    let outcome = try AlertFixture.deliver(db, rules: rules, maxWait: 0)
                    #expect(outcome.status == 0, "\(outcome.stderr)")
                    #expect(try AlertFixture.states(db) == ["failed": alerts.count])
                    #expect(try hook.requests().count == alerts.count)
                }
            }
            #expect(try other.requests().isEmpty)
        }
    }

    @Test("a webhook that trickles one byte every half second: deliver ends within --max-time, the alerts still pending")
    func webhookTrickle() throws {
        try StandInServer.with(script: Self.script, behaviour: ["mode": "trickle", "interval": 0.5]) { (hook: StandInServer) throws(any Error) in
            let rules = try AlertFixture.rules(url: hook.base + "/hook", timeout: 60)
            try AlertFixture.withWeek { db, alerts in
                let start = ContinuousClock.now
                let outcome = try CommandRunner.run(
                    ["alerts", "deliver", "--database-url", db, "--rules", rules, "--max-wait", "0", "--max-time", "3"],
                    environment: ["ALERT_TOKEN": "Bearer test-secret"])
                #expect(ContinuousClock.now - start < .seconds(40))
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(try AlertFixture.states(db)["delivered"] == nil)
                #expect(try AlertFixture.states(db).values.reduce(0, +) == alerts.count)
            }
        }
    }

    @Test("pull ddsql and pull aws redirected elsewhere: exit 1 naming the host, no file, no key sent on", arguments: ["ddsql", "aws"])
    func pullRedirect(source: String) throws {
        try withFolder { folder in try StandInServer.with(script: Self.script, behaviour: ["mode": "ok"]) { (other: StandInServer) throws(any Error) in
            try StandInServer.with(script: Self.script, behaviour: ["mode": "redirect", "status": 307, "location": "http://localhost:\(other.port)/"]) { (server: StandInServer) throws(any Error) in
                let outFolder = folder.appendingPathComponent("out")
                try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
                let out = outFolder.appendingPathComponent("night.\(source)").path
                let arguments = source == "ddsql"
                    ? ["pull", "ddsql", "--out", out, "--endpoint", server.base, "--retry-base", "0.001"]
                    : ["pull", "aws", "--region", "eu-west-1", "--out", out, "--endpoint-url", server.base, "--retry-base", "0.001"]
                let pull = try CommandRunner.run(arguments, environment: [
                    "DD_API_KEY": "dd-api-key-value", "DD_APP_KEY": "dd-app-key-value",
                    "AWS_ACCESS_KEY_ID": "AKIDREDIRECT", "AWS_SECRET_ACCESS_KEY": "redirect/secret", "AWS_SESSION_TOKEN": "redirect-token",
                    "AWS_EC2_METADATA_DISABLED": "true", "HOME": folder.path,
                ])
                #expect(pull.status == 1)
                #expect(pull.stderr.contains("127.0.0.1:\(server.port)") && pull.stderr.contains("redirect"), "\(pull.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out))
                let left = try FileManager.default.contentsOfDirectory(atPath: outFolder.path)
                #expect(left.isEmpty, "\(left)")
                #expect(try server.requests().count == 1)
            }
            #expect(try other.requests().isEmpty)
        } }
    }

    @Test("pull ddsql from a server sending one byte every half second ends at --max-time with exit 1 and no file")
    func pullTrickle() throws {
        try withFolder { folder in try StandInServer.with(script: Self.script, behaviour: ["mode": "trickle", "interval": 0.5]) { (server: StandInServer) throws(any Error) in
            let out = folder.appendingPathComponent("night.ndjson").path
            let start = ContinuousClock.now
            let pull = try CommandRunner.run(
                ["pull", "ddsql", "--out", out, "--endpoint", server.base, "--max-time", "3", "--retry-base", "0.001"],
                environment: ["DD_API_KEY": "dd-api-key-value", "DD_APP_KEY": "dd-app-key-value"])
            #expect(ContinuousClock.now - start < .seconds(40))
            #expect(pull.status == 1)
            #expect(pull.stderr.contains("time limit"), "\(pull.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        } }
    }

    @Test("pull aws of an answer ingest would refuse (profiles without an Arn): exit 1, no file")
    func pullValidatesWhatItWrites() throws {
        try withFolder { folder in
            let behaviour: [String: Any] = ["access_key": "AKIDVALID", "secret": "valid/secret", "regions": ["eu-west-1"], "instances": 1,
                                            "profiles": 12, "no_arn_every": 5]
            try StandInServer.with(script: "Tests/SnapshotSourcesTests/Fixtures/connect_server.py", behaviour: behaviour) { (server: StandInServer) throws(any Error) in
                let outFolder = folder.appendingPathComponent("out")
                try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
                let out = outFolder.appendingPathComponent("night.aws.jsonl").path
                let pull = try CommandRunner.run(
                    ["pull", "aws", "--region", "eu-west-1", "--out", out, "--endpoint-url", server.base, "--rate-per-api", "0"],
                    environment: ["AWS_ACCESS_KEY_ID": "AKIDVALID", "AWS_SECRET_ACCESS_KEY": "valid/secret", "AWS_SESSION_TOKEN": "",
                                  "AWS_EC2_METADATA_DISABLED": "true", "HOME": folder.path])
                #expect(pull.status == 1)
                #expect(pull.stderr.contains("would not ingest, so nothing was written"), "\(pull.stderr)")
                let left = try FileManager.default.contentsOfDirectory(atPath: outFolder.path)
                #expect(left.isEmpty, "\(left)")
            }
        }
    }

    @Test("SIGTERM during a pull removes its partial file")
    func interruptedPullLeavesNothing() throws {
        try withFolder { folder in
            try StandInServer.with(script: Self.script, behaviour: ["mode": "trickle", "interval": 0.5]) { (server: StandInServer) throws(any Error) in
                let outFolder = folder.appendingPathComponent("out")
                try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
                let out = outFolder.appendingPathComponent("night.ndjson").path
                let (process, stdout, stderr) = try CommandRunner.start(
                    ["pull", "ddsql", "--out", out, "--endpoint", server.base],
                    environment: ["DD_API_KEY": "dd-api-key-value", "DD_APP_KEY": "dd-app-key-value"])
                // The partial file exists once the pull has started (bounded wait).
                let start = ContinuousClock.now
                while try FileManager.default.contentsOfDirectory(atPath: outFolder.path).isEmpty, ContinuousClock.now - start < .seconds(30) {
                    usleep(20_000)
                }
                let partial = try FileManager.default.contentsOfDirectory(atPath: outFolder.path)
                #expect(partial.count == 1 && partial[0].hasPrefix(".night.ndjson.partial-"), "\(partial)")
                kill(process.processIdentifier, SIGTERM)
                let outcome = CommandRunner.finish(process, stdout, stderr)
                #expect(outcome.status != 0)
                let left = try FileManager.default.contentsOfDirectory(atPath: outFolder.path)
                #expect(left.isEmpty, "\(left)")
            }
        }
    }

    @Test("an error answer that echoes the request's keys, signature and token: the pull fails without printing them", arguments: ["ddsql", "aws"])
    func echoedSecretsNotPrinted(source: String) throws {
        try withFolder { folder in
            try StandInServer.with(script: Self.script, behaviour: ["mode": "echo", "status": 403]) { (server: StandInServer) throws(any Error) in
                let out = folder.appendingPathComponent("night.\(source)").path
                let arguments = source == "ddsql"
                    ? ["pull", "ddsql", "--out", out, "--endpoint", server.base]
                    : ["pull", "aws", "--region", "eu-west-1", "--out", out, "--endpoint-url", server.base]
                let pull = try CommandRunner.run(arguments, environment: [
                    "DD_API_KEY": "dd-api-key-echoed", "DD_APP_KEY": "dd-app-key-echoed",
                    "AWS_ACCESS_KEY_ID": "AKIDECHOED", "AWS_SECRET_ACCESS_KEY": "echoed/secret", "AWS_SESSION_TOKEN": "echoed-session-token",
                    "AWS_EC2_METADATA_DISABLED": "true", "HOME": folder.path,
                ])
                #expect(pull.status == 1)
                #expect(pull.stderr.contains("you sent"), "the echo is shown: \(pull.stderr)")
                for secret in ["dd-api-key-echoed", "dd-app-key-echoed", "echoed-session-token", "echoed/secret"] {
                    #expect(!pull.stderr.contains(secret) && !pull.stdout.contains(secret), "\(secret) in \(pull.stderr)")
                }
                let signature = try server.requests().first.flatMap { ($0["headers"] as? [String: Any])?["Authorization"] as? String }
                    .flatMap { $0.components(separatedBy: "Signature=").last }
                if let signature { #expect(!pull.stderr.contains(signature)) }
            }
        }
    }
}

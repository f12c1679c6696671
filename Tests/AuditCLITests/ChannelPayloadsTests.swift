import AuditCLI
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import Testing

/// Chat payloads show what a profile's name and a principal say, never what they would
/// format: no link, no bold, no code, no control character.
@Suite("chat payloads")
struct ChannelPayloadsTests {
    static let hostileName = "[Re-login here](https://evil.example/login) *urgent* `x` \u{1B}[2J"

    static func event() -> AlertEvent {
        var event = AlertEvent(
            eventID: 7, key: "arn:aws:connect:eu-west-1:111122223333:instance/i-1/security-profile/p-1", name: hostileName,
            kind: .modified, observedAt: Instant(parsing: "2026-11-20T02:00:00Z")!, drift: .widened, severity: .critical,
            changedFields: ["permissions"])
        event.accountID = "111122223333"
        event.attributions = [Attribution(
            principalARN: "arn:aws:sts::111122223333:assumed-role/Admin/[click](https://evil.example)", principalType: "AssumedRole",
            sessionIssuerARN: nil, eventName: "UpdateSecurityProfile", eventTime: Instant(parsing: "2026-11-19T10:00:00Z")!,
            sourceIP: "198.51.100.7", userAgent: "ua *b*", confidence: .exact)]
        return event
    }

    /// Every string in a JSON payload.
    static func strings(_ json: String) throws -> [String] {
        func walk(_ value: Any) -> [String] {
            switch value {
            case let text as String: return [text]
            case let array as [Any]: return array.flatMap(walk)
            case let object as [String: Any]: return object.values.flatMap(walk)
            default: return []
            }
        }
        return walk(try JSONSerialization.jsonObject(with: Data(json.utf8)))
    }

    @Test("Slack and Teams: every field inert; PagerDuty: no control character", arguments: ["slack", "teams", "pagerduty"])
    func inert(channel: String) throws {
        let digest = AlertDigest(id: 1, channel: "c", snapshotID: 3, events: [Self.event()])
        let payloads: [String] = switch channel {
        case "slack": [ChannelPayloads.slack(Self.event(), rule: "r"), ChannelPayloads.slack(digest)]
        case "teams": [ChannelPayloads.teams(Self.event(), rule: "r"), ChannelPayloads.teams(digest)]
        default: [ChannelPayloads.pagerDuty(Self.event(), rule: "r", alertID: 1, routingKey: "k"), ChannelPayloads.pagerDuty(digest, routingKey: "k")]
        }
        for payload in payloads {
            let texts = try Self.strings(payload)
            #expect(texts.contains { $0.contains("Re-login here") }, "the name is shown")
            for text in texts {
                #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }, "\(text)")
                guard channel != "pagerduty", text != "http://adaptivecards.io/schemas/adaptive-card.json" else { continue }
                #expect(!text.contains("://") && !text.contains("`"), "\(text)")
                // Slack has no [text](url) links; Teams' Markdown has.
                if channel == "teams" { #expect(!text.contains("]("), "\(text)") }
                // Our own field titles are bold on purpose; nothing from the event is.
                #expect(!text.contains("*urgent*") && !text.contains("*b*"), "\(text)")
            }
        }
    }
}

import AuditModel
import AuditTime

/// Who made a change, as the CloudTrail records say (the `change_attribution` view).
package struct Attribution: Hashable, Sendable {
    /// How sure: `exact` (the write's time matches the new version's timestamp), `window`
    /// (the only write between the two snapshots), `ambiguous` (one of several).
    package enum Confidence: String, Sendable, CaseIterable {
        case exact, window, ambiguous
    }

    package var principalARN: String?
    package var principalType: String?
    package var sessionIssuerARN: String?
    package var eventName: String
    package var eventTime: Instant
    package var sourceIP: String?
    package var userAgent: String?
    package var confidence: Confidence

    package init(
        principalARN: String?, principalType: String?, sessionIssuerARN: String?, eventName: String, eventTime: Instant,
        sourceIP: String?, userAgent: String?, confidence: Confidence
    ) {
        self.principalARN = principalARN
        self.principalType = principalType
        self.sessionIssuerARN = sessionIssuerARN
        self.eventName = eventName
        self.eventTime = eventTime
        self.sourceIP = sourceIP
        self.userAgent = userAgent
        self.confidence = confidence
    }

    /// Who, in a few words: the role session (`role/ROLE session SESSION`), user or IAM user.
    package var principal: String {
        guard let arn = principalARN else { return principalType ?? "unknown principal" }
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, arn:aws:iam::ACCOUNT:user/NAME
        let resource = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).last.map(String.init) ?? arn
        let parts = resource.split(separator: "/").map(String.init)
        if parts.first == "assumed-role", parts.count >= 3 { return "role \(parts[1]), session \(parts[2...].joined(separator: "/"))" }
        if parts.first == "user", parts.count >= 2 { return "IAM user \(parts[1...].joined(separator: "/"))" }
        if resource == "root" { return "the account's root user" }
        return resource
    }

    /// One line for reports and history: who, how sure, what call, when, from where.
    package var summary: String {
        var text = "by \(principal) (\(confidence.rawValue): \(eventName) at \(eventTime.iso8601)"
        if let sourceIP { text += ", from \(sourceIP)" }
        if let userAgent { text += ", \(userAgent.prefix(80))" }
        return text + ")"
    }

    /// As a JSON object, keys sorted: what reports, `history` and alert payloads carry.
    package var json: String {
        func text(_ value: String?) -> String { value.map { CanonicalJSON.text($0) } ?? "null" }
        return "{\"confidence\":" + text(confidence.rawValue) + ",\"event_name\":" + text(eventName)
            + ",\"event_time\":" + text(eventTime.iso8601) + ",\"principal_arn\":" + text(principalARN)
            + ",\"principal_type\":" + text(principalType) + ",\"session_issuer_arn\":" + text(sessionIssuerARN)
            + ",\"source_ip\":" + text(sourceIP) + ",\"user_agent\":" + text(userAgent) + "}"
    }
}

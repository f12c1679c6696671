import AuditModel
import AuditTime
import Foundation

/// Reads CloudTrail records in the three shapes people have them in, keeping the Amazon
/// Connect security-profile writes:
/// - CloudTrail log files, `{"Records": [...]}` (what a trail delivers to S3; gunzipped by
///   the caller);
/// - `aws cloudtrail lookup-events` output, `{"Events": [{"CloudTrailEvent": "<json>"}]}`;
/// - EventBridge events, detail-type "AWS API Call via CloudTrail", the record under
///   `detail`, one per line (or one document).
///
/// Record fields from the CloudTrail user guide ("CloudTrail record contents", "userIdentity
/// element") and the Amazon Connect admin guide's example entry ("Logging Amazon Connect API
/// calls with AWS CloudTrail": `eventSource` `connect.amazonaws.com`, `requestParameters`
/// with the API's member names such as `InstanceId`). Names are matched with the first
/// letter in either case (`InstanceId`, `instanceId`; the model's `resourceArn`).
/// Members from botocore's Connect model (`service-2.json`): `CreateSecurityProfileResponse`
/// has `SecurityProfileId` and `SecurityProfileArn`; `TagResource`/`UntagResource` name their
/// resource by `resourceArn` (`POST /tags/{resourceArn}`); a profile's ARN has the shape of
/// the `Arn`s in DESIGN's examples, `arn:aws:connect:REGION:ACCOUNT:instance/I/security-profile/P`.
package enum TrailReader {
    /// Reads one file's bytes.
    package static func read(_ bytes: [UInt8], file: String) -> TrailReading {
        var reading = TrailReading()
        let document = try? JSONSerialization.jsonObject(with: Data(bytes))
        if let object = document as? [String: Any] {
            if let records = object["Records"] as? [Any] {
                for (index, record) in records.enumerated() { take(record, at: "record \(index + 1)", file: file, into: &reading) }
                return reading
            }
            if let events = object["Events"] as? [Any] {
                for (index, event) in events.enumerated() {
                    let position = "event \(index + 1)"
                    guard let text = (event as? [String: Any])?["CloudTrailEvent"] as? String,
                          let record = try? JSONSerialization.jsonObject(with: Data(text.utf8))
                    else {
                        reading.problems.append(SnapshotIssue(file: file, line: index + 1, message: "\(position): expected a CloudTrailEvent holding a CloudTrail record as JSON text"))
                        continue
                    }
                    take(record, at: position, file: file, into: &reading)
                }
                return reading
            }
            take(object, at: "record 1", file: file, into: &reading)
            return reading
        }
        // One EventBridge event (or record) per line.
        var line = 0
        for text in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            line += 1
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            guard let record = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                reading.problems.append(SnapshotIssue(file: file, line: line, message: "expected a CloudTrail log file, lookup-events output, or one EventBridge event per line"))
                continue
            }
            take(record, at: "line \(line)", file: file, line: line, into: &reading)
        }
        return reading
    }

    /// Sorts one record into the reading.
    static func take(_ value: Any, at position: String, file: String, line: Int = 1, into reading: inout TrailReading) {
        guard var record = value as? [String: Any] else {
            reading.problems.append(SnapshotIssue(file: file, line: line, message: "\(position): expected a CloudTrail record (a JSON object)"))
            return
        }
        // EventBridge: the CloudTrail record is the event's detail.
        if let detail = record["detail"] as? [String: Any], record["detail-type"] != nil { record = detail }
        guard (record["eventSource"] as? String) == "connect.amazonaws.com" else {
            if record["eventSource"] is String {
                reading.otherServices += 1
            } else {
                reading.problems.append(SnapshotIssue(file: file, line: line, field: "eventSource", message: "\(position): a CloudTrail record needs an eventSource"))
            }
            return
        }
        let name = record["eventName"] as? String ?? ""
        let readOnly = (record["readOnly"] as? Bool) ?? ["Describe", "List", "Get", "Search"].contains { name.hasPrefix($0) }
        if readOnly {
            reading.readOnly += 1
            return
        }
        guard TrailEvent.writes.contains(name) else {
            reading.otherWrites += 1
            return
        }
        func problem(_ field: String, _ message: String) {
            reading.problems.append(SnapshotIssue(file: file, line: line, field: field, message: "\(position) (\(name)): \(message)"))
        }
        guard let eventID = record["eventID"] as? String, !eventID.isEmpty else { return problem("eventID", "missing: every CloudTrail record has one") }
        guard let time = (record["eventTime"] as? String).flatMap(Instant.init(parsing:)) else {
            return problem("eventTime", "missing or not an ISO-8601 time")
        }
        let request = record["requestParameters"] as? [String: Any] ?? [:]
        let response = record["responseElements"] as? [String: Any] ?? [:]
        let errorCode = record["errorCode"] as? String
        var instance = member(request, "InstanceId")
        var profile = member(request, "SecurityProfileId") ?? member(response, "SecurityProfileId")
        if let arn = member(request, "ResourceArn") ?? member(response, "SecurityProfileArn") {
            guard let parsed = profileIDs(inARN: arn) else {
                if name == "TagResource" || name == "UntagResource" { reading.otherWrites += 1 }  // tags on another resource
                else { problem("requestParameters", "\(arn) is not a security profile ARN") }
                return
            }
            instance = instance ?? parsed.instance
            profile = profile ?? parsed.profile
        }
        guard let instance, let profile else {
            if errorCode != nil { reading.unresolvedFailures += 1 }
            else { problem("requestParameters", "names no instance and security profile (InstanceId and SecurityProfileId, or an ARN)") }
            return
        }
        let identity = record["userIdentity"] as? [String: Any] ?? [:]
        let issuer = ((identity["sessionContext"] as? [String: Any])?["sessionIssuer"] as? [String: Any])?["arn"] as? String
        reading.events.append(TrailEvent(
            eventID: eventID, eventTime: time, eventName: name, region: record["awsRegion"] as? String,
            accountID: record["recipientAccountId"] as? String ?? identity["accountId"] as? String,
            instanceID: instance, securityProfileID: profile, principalARN: identity["arn"] as? String,
            principalType: identity["type"] as? String, sessionIssuerARN: issuer, sourceIP: record["sourceIPAddress"] as? String,
            userAgent: record["userAgent"] as? String, errorCode: errorCode, record: CanonicalJSON.text(record)))
    }

    /// A string member named `name`, or with its first letter lower-cased.
    static func member(_ object: [String: Any], _ name: String) -> String? {
        let lower = name.prefix(1).lowercased() + name.dropFirst()
        let value = (object[name] as? String) ?? (object[lower] as? String)
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Instance and profile id of `arn:aws:connect:REGION:ACCOUNT:instance/I/security-profile/P`.
    static func profileIDs(inARN arn: String) -> (instance: String, profile: String)? {
        guard arn.hasPrefix("arn:"), let instanceRange = arn.range(of: ":instance/"),
              let profileRange = arn.range(of: "/security-profile/", range: instanceRange.upperBound..<arn.endIndex)
        else { return nil }
        let instance = String(arn[instanceRange.upperBound..<profileRange.lowerBound])
        let profile = String(arn[profileRange.upperBound...])
        guard !instance.isEmpty, !profile.isEmpty, !profile.contains("/") else { return nil }
        return (instance, profile)
    }
}

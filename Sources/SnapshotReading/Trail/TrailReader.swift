import AuditModel
import AuditTime
import ByteKernels
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
    /// The largest trail file read (after gunzip): CloudTrail delivers a log file every few
    /// minutes, and `lookup-events` pages hold 50 events; a larger file is not one of them,
    /// and is refused rather than held in memory several times over.
    package static let maxFileBytes = 128 << 20

    /// Reads one file's bytes. Each record is checked on its own as the snapshot readers
    /// check a document (`StrictJSON`: no key twice, no `\u0000`), so a bad record is named
    /// by its position and `--skip-bad` can leave it out; a record whose `eventTime` is
    /// after `now` (beyond `clockSkew`) is kept and warned about.
    package static func read(_ bytes: [UInt8], file: String, now: Instant? = nil) -> TrailReading {
        var reading = TrailReading()
        guard bytes.count <= maxFileBytes else {
            reading.problems.append(SnapshotIssue(file: file, line: 1, message: "larger than \(maxFileBytes >> 20) MiB: not a CloudTrail log file, lookup-events page or EventBridge batch; split it"))
            return reading
        }
        let keys = bytes.withUnsafeBufferPointer { JSONStructure.leadingKeys(of: $0) }.topLevel
        for (wrapper, isEvents) in [("Records", false), ("Events", true)] where keys.contains(wrapper) {
            guard let elements = bytes.withUnsafeBufferPointer({ JSONStructure.mainArrayElements(of: $0, keys: [wrapper]) }) else { continue }
            for (index, element) in elements.enumerated() {
                let position = (isEvents ? "event " : "record ") + String(index + 1)
                let text = Array(bytes[element.range])
                guard let value = strictObject(text, at: position, file: file, line: element.line, into: &reading) else { continue }
                if isEvents {
                    guard let inner = value["CloudTrailEvent"] as? String,
                          let record = strictObject(Array(inner.utf8), at: position, file: file, line: element.line, into: &reading)
                    else {
                        if value["CloudTrailEvent"] as? String == nil {
                            reading.problems.append(SnapshotIssue(file: file, line: element.line, message: "\(position): expected a CloudTrailEvent holding a CloudTrail record as JSON text"))
                        }
                        continue
                    }
                    take(record, at: position, file: file, line: element.line, now: now, into: &reading)
                } else {
                    take(value, at: position, file: file, line: element.line, now: now, into: &reading)
                }
            }
            // What lies around the records (a key twice beside them, say) is the file's problem.
            if reading.problems.isEmpty, let problem = StrictJSON.problem(in: bytes) {
                reading.problems.append(SnapshotIssue(file: file, line: 1 + problem.lineOffset, message: problem.message))
            }
            return reading
        }
        // One record or EventBridge event as the whole document, else one per line.
        if StrictJSON.problem(in: bytes) == nil, let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] {
            take(object, at: "record 1", file: file, now: now, into: &reading)
            return reading
        }
        var line = 0
        for text in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            line += 1
            guard !text.allSatisfy({ SnapshotFormat.isSpace($0) }) else { continue }
            guard let record = strictObject(Array(text), at: "line \(line)", file: file, line: line, into: &reading) else { continue }
            take(record, at: "line \(line)", file: file, line: line, now: now, into: &reading)
        }
        return reading
    }

    /// How far an `eventTime` may lie after `now` before it is warned about.
    static let clockSkew: Int64 = 5 * 60_000_000

    /// `text` as a JSON object, if it is one and `StrictJSON` finds nothing wrong; else a problem.
    private static func strictObject(
        _ text: [UInt8], at position: String, file: String, line: Int, into reading: inout TrailReading
    ) -> [String: Any]? {
        if let problem = StrictJSON.problem(in: text) {
            reading.problems.append(SnapshotIssue(file: file, line: line + problem.lineOffset, message: "\(position): \(problem.message)"))
            return nil
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else {
            reading.problems.append(SnapshotIssue(file: file, line: line, message: "\(position): expected a CloudTrail log file, lookup-events output, or one EventBridge event per line"))
            return nil
        }
        return object
    }

    /// Sorts one record into the reading.
    static func take(_ value: Any, at position: String, file: String, line: Int = 1, now: Instant? = nil, into reading: inout TrailReading) {
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
        guard TrailEvent.writes.contains(name) || TrailEvent.userWrites.contains(name) else {
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
        if let now, let latest = now.adding(microseconds: clockSkew), time > latest {
            reading.warnings.append(SnapshotIssue(
                file: file, line: line, field: "eventTime",
                message: "\(position) (\(name)): \(time.iso8601) is in the future; stored, but no snapshot captured before it is explained by it"))
        }
        let request = record["requestParameters"] as? [String: Any] ?? [:]
        let response = record["responseElements"] as? [String: Any] ?? [:]
        let errorCode = record["errorCode"] as? String
        let identity = record["userIdentity"] as? [String: Any] ?? [:]
        let issuer = ((identity["sessionContext"] as? [String: Any])?["sessionIssuer"] as? [String: Any])?["arn"] as? String
        func event(instance: String, profile: String?, user: String?) -> TrailEvent {
            TrailEvent(
                eventID: eventID, eventTime: time, eventName: name, region: record["awsRegion"] as? String,
                accountID: record["recipientAccountId"] as? String ?? identity["accountId"] as? String,
                instanceID: instance, securityProfileID: profile, userID: user, principalARN: identity["arn"] as? String,
                principalType: identity["type"] as? String, sessionIssuerARN: issuer, sourceIP: record["sourceIPAddress"] as? String,
                userAgent: record["userAgent"] as? String, errorCode: errorCode, record: CanonicalJSON.text(record), file: file, line: line)
        }
        if TrailEvent.userWrites.contains(name) {
            let arn = member(response, "UserArn").flatMap(userIDs(inARN:))
            guard let instance = member(request, "InstanceId") ?? arn?.instance,
                  let user = member(request, "UserId") ?? member(response, "UserId") ?? arn?.user
            else {
                if errorCode != nil { reading.unresolvedFailures += 1 }
                else { problem("requestParameters", "names no instance and user (InstanceId and UserId, or a UserArn)") }
                return
            }
            reading.events.append(event(instance: instance, profile: nil, user: user))
            return
        }
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
        reading.events.append(event(instance: instance, profile: profile, user: nil))
    }

    /// Instance and user id of `arn:aws:connect:REGION:ACCOUNT:instance/I/agent/U`.
    static func userIDs(inARN arn: String) -> (instance: String, user: String)? {
        guard arn.hasPrefix("arn:"), let instanceRange = arn.range(of: ":instance/"),
              let userRange = arn.range(of: "/agent/", range: instanceRange.upperBound..<arn.endIndex)
        else { return nil }
        let instance = String(arn[instanceRange.upperBound..<userRange.lowerBound])
        let user = String(arn[userRange.upperBound...])
        guard !instance.isEmpty, !user.isEmpty, !user.contains("/") else { return nil }
        return (instance, user)
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

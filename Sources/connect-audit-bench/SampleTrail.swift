import AuditModel
import AuditTime
import Foundation

/// CloudTrail records for the sample week (`examples/sample-week-cloudtrail.json`): who made
/// some of its changes, in the shape of a CloudTrail log file (CloudTrail user guide,
/// "CloudTrail record contents"; `requestParameters` with the API's member names, as the
/// Amazon Connect admin guide's example entry shows), with decoys a reader must drop.
enum SampleTrail {
    /// One write: the call, the profile it wrote, when, by whom (a role session).
    struct Write {
        var eventName: String
        var profile: SampleWeek.Spec
        var time: String
        var who: String
        var readOnly = false
        var source = "connect.amazonaws.com"
    }

    static func record(_ write: Write, number: Int) -> [String: Any] {
        let arn = SampleWeek.profile(write.profile).arn ?? ""
        let profileID = SampleWeek.profile(write.profile).id ?? ""
        var request: [String: Any] = ["InstanceId": write.profile.instance]
        var response: Any = NSNull()
        switch write.eventName {
        case "CreateSecurityProfile":
            request["SecurityProfileName"] = write.profile.name
            response = ["SecurityProfileId": profileID, "SecurityProfileArn": arn]
        case "TagResource", "UntagResource":
            request = ["resourceArn": arn]
        default:
            request["SecurityProfileId"] = profileID
        }
        let account = write.profile.account
        return [
            "eventVersion": "1.08",
            "userIdentity": [
                "type": "AssumedRole", "principalId": "AROASAMPLE:\(write.who)",
                "arn": "arn:aws:sts::\(account):assumed-role/ConnectAdmin/\(write.who)", "accountId": account,
                "accessKeyId": "ASIASAMPLE\(number)",
                "sessionContext": [
                    "sessionIssuer": ["type": "Role", "principalId": "AROASAMPLE", "arn": "arn:aws:iam::\(account):role/ConnectAdmin",
                                      "accountId": account, "userName": "ConnectAdmin"],
                    "attributes": ["creationDate": String(write.time.prefix(11)) + "07:00:00Z", "mfaAuthenticated": "true"],
                ] as [String: Any],
            ] as [String: Any],
            "eventTime": write.time, "eventSource": write.source, "eventName": write.eventName,
            "awsRegion": SampleWeek.region(write.profile.instance), "sourceIPAddress": "198.51.100.\(10 + number % 5)",
            "userAgent": "aws-cli/2.15.0 md/command#connect.\(write.eventName)", "requestParameters": request,
            "responseElements": response, "requestID": "sample-request-\(number)",
            "eventID": String(format: "0b7a5c3e-0000-4000-8000-%012d", number), "readOnly": write.readOnly,
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": account, "eventCategory": "Management",
        ]
    }

    /// The week's records, as one log file.
    static func logFile(_ writes: [Write]) throws -> Data {
        let records = writes.enumerated().map { record($1, number: $0 + 1) }
        return try JSONSerialization.data(withJSONObject: ["Records": records], options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    }
}

import Foundation

/// Inputs that are only part of the truth and must be refused whole (DESIGN §2), each with
/// the field its refusal names and words its message must hold. Shapes from botocore's
/// Connect model and Datadog's DDSQL API reference.
package enum PartialInputs {
    package struct Case: Sendable {
        package var name: String
        package var file: String
        package var text: String
        package var field: String?
        package var words: String
    }

    static let arn = "arn:aws:connect:eu-west-1:111122223333:instance/i-1/security-profile/"

    /// A DDSQL tabular response of `count` rows.
    package static func ddsqlResponse(rows count: Int, from start: Int = 0) -> String {
        let keys = (start..<(start + count)).map { "\"\(arn)p-\(String(format: "%06d", $0))\"" }.joined(separator: ",")
        let names = (start..<(start + count)).map { "\"profile \($0)\"" }.joined(separator: ",")
        return #"{"data":{"id":"r","type":"ddsql_query_response","attributes":{"state":"completed","columns":["#
            + #"{"name":"_key","type":"VARCHAR","values":["# + keys + "]},"
            + #"{"name":"security_profile_name","type":"VARCHAR","values":["# + names + "]}]}}}"
    }

    package static let cases: [Case] = [
        Case(
            name: "ListSecurityProfiles summaries", file: "list.json",
            text: #"{"SecurityProfileSummaryList": [{"Id": "p-1", "Arn": "\#(arn)p-1", "Name": "Agent", "LastModifiedTime": 1795183407.5}], "NextToken": null}"#,
            field: "SecurityProfileSummaryList", words: "describe-security-profile"),
        Case(
            name: "SearchSecurityProfiles response", file: "search.json",
            text: #"{"SecurityProfiles": [{"Id": "p-1", "OrganizationResourceId": "i-1", "Arn": "\#(arn)p-1", "SecurityProfileName": "Agent"}], "ApproximateTotalCount": 1}"#,
            field: "SecurityProfile", words: "SearchSecurityProfiles"),
        Case(
            name: "SearchSecurityProfiles results one per line", file: "search-lines.json",
            text: #"{"Id": "p-1", "Arn": "\#(arn)p-1", "SecurityProfileName": "Agent", "Tags": {"a": "b"}}"# + "\n",
            field: "SecurityProfile", words: "SearchSecurityProfiles"),
        Case(
            name: "a permissions page with a NextToken", file: "page.json",
            text: #"{"SecurityProfile": {"Arn": "\#(arn)p-1", "SecurityProfileName": "Agent", "LastModifiedTime": 1795183407.5}, "Permissions": ["BasicAgentAccess"], "NextToken": "eyJwYWdlIjoyfQ=="}"#,
            field: "NextToken", words: "follow every NextToken"),
        Case(
            name: "a DDSQL response still running", file: "running.json",
            text: #"{"data": {"id": "q", "type": "ddsql_query_response", "attributes": {"state": "running", "query_id": "qid-42"}}}"#,
            field: "state", words: "query_id \"qid-42\""),
        Case(
            name: "a DDSQL page of exactly 5,000 rows", file: "page-5000.json", text: ddsqlResponse(rows: 5_000),
            field: nil, words: "--count-is-complete"),
        Case(
            name: "a DDSQL page of exactly 10,000 rows", file: "page-10000.json", text: ddsqlResponse(rows: 10_000),
            field: nil, words: "largest row_limit"),
    ]
}

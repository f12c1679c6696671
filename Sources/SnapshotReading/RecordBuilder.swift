import AuditModel
import ByteKernels
import Foundation

/// Turns one input record (a JSON object, a CSV row) into a canonical profile, or the
/// list of everything wrong with it.
enum RecordBuilder {
    /// Builds a profile from fields named as DDSQL's columns; unknown names go to `extra`.
    static func fromDDSQL<Fields: Sequence>(
        _ fields: Fields, unit: NumericInstantUnit
    ) -> (SecurityProfile?, [FieldProblem]) where Fields.Element == (key: String, value: Any) {
        fromMembers(fields.lazy.map { FlatJSONRow.Member(field: ProfileField(columnName: $0.key), name: $0.key, value: RawValue($0.value)) }, unit: unit)
    }

    /// Builds a profile from classified members (`FlatJSONRow`'s, or a decoded object's);
    /// members without a field go to `extra` by name.
    static func fromMembers<Members: Sequence>(
        _ members: Members, unit: NumericInstantUnit
    ) -> (SecurityProfile?, [FieldProblem]) where Members.Element == FlatJSONRow.Member {
        var profile = SecurityProfile.unread()
        var problems: [FieldProblem] = []
        for member in members {
            if let field = member.field {
                do throws(FieldProblem) {
                    try FieldDecoder.apply(member.value, to: field, of: &profile, unit: unit)
                } catch {
                    problems.append(error)
                }
            } else if let value = member.value.jsonValue {
                profile.setExtra(ExtraValue.canonicalJSON(value), for: member.name)
            }
        }
        checkKey(profile, &problems)
        return (problems.isEmpty ? profile : nil, problems)
    }

    /// Builds a profile from one CSV row: `fields[i]` is the field of column `names[i]`,
    /// resolved once per file; unknown columns go to `extra` as JSON strings. Array
    /// elements that recur come from `recurring`.
    static func fromColumns(
        _ names: [String], _ fields: [ProfileField?], _ values: [String], recurring: RecurringTexts? = nil
    ) -> (SecurityProfile?, [FieldProblem]) {
        var profile = SecurityProfile.unread()
        var problems: [FieldProblem] = []
        for index in values.indices {
            let value = values[index]
            if let field = fields[index] {
                do throws(FieldProblem) {
                    try FieldDecoder.apply(value.isEmpty ? .absent : .text(value), to: field, of: &profile, unit: .seconds, recurring: recurring)
                } catch {
                    problems.append(error)
                }
            } else if !value.isEmpty {
                profile.setExtra(ExtraValue.canonicalJSON(value), for: names[index])
            }
        }
        checkKey(profile, &problems)
        return (problems.isEmpty ? profile : nil, problems)
    }

    /// Adds a problem when `_key` is missing, empty or only white space (and none was
    /// reported for it already).
    private static func checkKey(_ profile: SecurityProfile, _ problems: inout [FieldProblem]) {
        guard !problems.contains(where: { $0.field == ProfileField.key.rawValue }) else { return }
        if profile.key.isEmpty {
            problems.append(FieldProblem(field: "_key", message: "missing: every row needs a non-empty _key"))
        } else if profile.key.first?.isWhitespace == true, profile.key.allSatisfy(\.isWhitespace) {
            problems.append(FieldProblem(field: "_key", message: "only white space: every row needs a _key that names the profile"))
        }
    }

    /// A problem when a record has more fields than `InputLimits.fieldsPerRecord`.
    static func tooManyFields(_ count: Int) -> FieldProblem? {
        guard count > InputLimits.fieldsPerRecord else { return nil }
        return FieldProblem(field: "(record)", message: "\(count) fields; more than \(InputLimits.fieldsPerRecord) is not a profile")
    }

    /// PascalCase AWS names of the fields the `aws` format reads.
    private static let awsFields: [String: ProfileField] = Dictionary(
        uniqueKeysWithValues: ProfileField.allCases.compactMap { field in field.awsName.map { ($0, field) } })

    /// Builds a profile from `describe-security-profile` output: `{"SecurityProfile": {...},
    /// "Permissions": [...]}` or a bare `SecurityProfile` object. `_key` is the ARN and
    /// `account_id` comes from it.
    static func fromAWS(_ object: [String: Any]) -> (SecurityProfile?, [FieldProblem]) {
        if let refusal = partialAWSOutput(object) { return (nil, [refusal]) }
        var body = object
        var outer: [String: Any] = [:]
        if let wrapped = object["SecurityProfile"] as? [String: Any] {
            body = wrapped
            outer = object
            outer["SecurityProfile"] = nil
        }
        var profile = SecurityProfile.unread()
        var problems: [FieldProblem] = []
        for (name, value) in body.merging(outer, uniquingKeysWith: { inner, _ in inner }) {
            if let field = awsFields[name] {
                do throws(FieldProblem) {
                    try FieldDecoder.apply(value, to: field, of: &profile, unit: .seconds)
                } catch {
                    problems.append(FieldProblem(field: name, message: error.message))
                }
            } else if !FieldDecoder.isAbsent(value) {
                profile.setExtra(ExtraValue.canonicalJSON(value), for: name)
            }
        }
        return finishAWS(profile, problems)
    }

    /// Builds a profile from the members `FlatJSONRow.awsMembers` read from a `pull aws`
    /// line, as `fromAWS` builds it from the decoded object.
    static func fromAWSMembers(_ members: [FlatJSONRow.Member]) -> (SecurityProfile?, [FieldProblem]) {
        var profile = SecurityProfile.unread()
        var problems: [FieldProblem] = []
        for member in members {
            guard let field = member.field else { continue }
            do throws(FieldProblem) {
                try FieldDecoder.apply(member.value, to: field, of: &profile, unit: .seconds)
            } catch {
                problems.append(FieldProblem(field: member.name, message: error.message))
            }
        }
        return finishAWS(profile, problems)
    }

    /// What every AWS record ends with: the granular access control observed as none when
    /// absent, `_key` and `account_id` from the ARN.
    private static func finishAWS(_ profile: SecurityProfile, _ problems: [FieldProblem]) -> (SecurityProfile?, [FieldProblem]) {
        var (profile, problems) = (profile, problems)
        // DescribeSecurityProfile's body carries GranularAccessControlConfiguration whenever
        // the profile has one: its absence there is an observed "none", never "not observed".
        if profile.unobserved.contains(.granularAccessControl) { profile.granularAccessControl = nil }
        if let arn = profile.arn {
            profile.key = arn
            profile.accountID = SecurityProfile.account(fromARN: arn)
        } else if !problems.contains(where: { $0.field == "Arn" }) {
            problems.append(FieldProblem(field: "Arn", message: "missing: the ARN is the profile's identity (_key)"))
        }
        return (problems.isEmpty ? profile : nil, problems)
    }

    /// The members of `SecurityProfileSearchSummary` (botocore's Connect model), what one
    /// `SearchSecurityProfiles` result holds: no restrictions, no timestamps.
    static let searchSummaryKeys: Set<String> = ["Id", "OrganizationResourceId", "Arn", "SecurityProfileName", "Description", "Tags"]

    /// A refusal when `object` is AWS output that is only part of the truth (DESIGN §2) and
    /// would read as deletions or lost restrictions: `ListSecurityProfiles` summaries, a
    /// `SearchSecurityProfiles` result (one, or the whole response), or a page that still has
    /// a `NextToken`.
    static func partialAWSOutput(_ object: [String: Any]) -> FieldProblem? {
        if object["SecurityProfileSummaryList"] != nil {
            return FieldProblem(
                field: "SecurityProfileSummaryList",
                message: "this is ListSecurityProfiles output: names and ids only, without restrictions, tags or permissions; "
                    + "read each profile with `aws connect describe-security-profile` (and list-security-profile-permissions), or use `connect-audit pull aws`")
        }
        let searchResponse = object["ApproximateTotalCount"] != nil  // SearchSecurityProfiles' whole response
        if searchResponse || (object["SecurityProfile"] == nil && !object.isEmpty && Set(object.keys).isSubset(of: searchSummaryKeys)) {
            return FieldProblem(
                field: "SecurityProfile",
                message: "this is a SearchSecurityProfiles result: it lacks the restrictions and timestamps, so it would read as restrictions removed; "
                    + "use `aws connect describe-security-profile` output for each profile, or `connect-audit pull aws`")
        }
        if let token = object["NextToken"], !FieldDecoder.isAbsent(token) {
            return FieldProblem(
                field: "NextToken",
                message: "this page still has a NextToken: its list (permissions, applications) continues on the next page; "
                    + "follow every NextToken and merge the pages, or use `connect-audit pull aws`, which does")
        }
        return nil
    }
}

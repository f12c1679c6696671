import AuditModel
import SnapshotReading
import Testing
import TestSupport

@Suite("inputs that are only part of the truth are refused whole")
struct PartialInputTests {
    @Test("each partial input is refused with one message that says what to do", arguments: PartialInputs.cases.indices)
    func refused(_ index: Int) {
        let input = PartialInputs.cases[index]
        let issues = Fixture.issues(input.text, name: input.file)
        #expect(issues.count == 1, "\(input.name): \(issues)")
        #expect(issues.first?.field == input.field, "\(input.name)")
        #expect(issues.first?.message.contains(input.words) == true, "\(input.name): \(issues.first?.message ?? "")")
    }

    @Test("a full DDSQL page is fine when more parts follow, or when the user says the count is complete")
    func fullPages() throws {
        let full = Array(PartialInputs.ddsqlResponse(rows: 10_000).utf8)
        let rest = Array(PartialInputs.ddsqlResponse(rows: 3, from: 10_000).utf8)
        let paged = try SnapshotAssembler.snapshot([("1.json", full), ("2.json", rest)], format: .ddsql)
        #expect(paged.count == 10_003)
        #expect(throws: SnapshotReadError.self) { try SnapshotAssembler.snapshot([("2.json", rest), ("1.json", full)], format: .ddsql) }
        let whole = try SnapshotAssembler.snapshot([("1.json", full)], format: .ddsql, countIsComplete: true)
        #expect(whole.count == 10_000)
        let short = try SnapshotAssembler.snapshot([("1.json", Array(PartialInputs.ddsqlResponse(rows: 4_999).utf8))], format: .ddsql)
        #expect(short.count == 4_999)
    }

    @Test("describe-security-profile output, bare or wrapped, with an empty NextToken, still reads")
    func completeAWSOutput() throws {
        let arn = "arn:aws:connect:eu-west-1:111122223333:instance/i-1/security-profile/p-1"
        let wrapped = #"{"SecurityProfile": {"Arn": "\#(arn)", "SecurityProfileName": "Agent", "LastModifiedTime": 1795183407.5}, "Permissions": ["BasicAgentAccess"], "NextToken": null}"#
        let bare = #"{"Arn": "\#(arn)", "SecurityProfileName": "Agent", "LastModifiedTime": 1795183407.5, "TagRestrictedResources": ["User"]}"#
        #expect(try Fixture.read(wrapped, name: "a.json").count == 1)
        #expect(try Fixture.read(bare, name: "b.json").count == 1)
    }
}

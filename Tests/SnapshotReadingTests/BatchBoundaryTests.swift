import AuditModel
import AuditTime
import SnapshotReading
import TestSupport
import Testing

/// A file is read in batches of `SnapshotReader.batchSize` records; whichever batch a
/// record falls in, it must read the same way as the first.
@Suite("batch boundaries")
struct BatchBoundaryTests {
    static let sizes = [SnapshotReader.batchSize, SnapshotReader.batchSize + 1]

    /// `count` profiles keyed by ARN, so every format (the AWS one takes `_key` from the ARN) can carry them.
    static func profiles(_ count: Int) -> [SecurityProfile] {
        (0..<count).map { index in
            let arn = "arn:aws:connect:us-east-1:123456789012:instance/4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d/security-profile/p-\(index)"
            return SecurityProfile(
                key: arn, accountID: "123456789012", arn: arn, id: "p-\(index)",
                lastModifiedTime: Instant(microsecondsSinceEpoch: 1_795_000_000_000_000 + Int64(index) * 1000),
                organizationResourceID: "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d",
                securityProfileName: "Profile \(index)", tagRestrictedResources: ["User"], tags: ["team:cx"],
                permissions: ["BasicAgentAccess"])
        }
    }

    static func fileName(_ format: SnapshotFormat) -> String {
        switch format {
        case .ndjson: "snapshot.ndjson"
        case .json: "snapshot.json"
        case .csv: "snapshot.csv"
        case .aws: "snapshot.aws.jsonl"
        case .ddsql: "snapshot.ddsql.json"
        }
    }

    @Test("every format reads every record at and past a batch's size, named by format or detected", arguments: SnapshotFormat.allCases)
    func everyRecordAtTheBoundary(format: SnapshotFormat) throws {
        for count in Self.sizes {
            let expected = Self.profiles(count)
            let bytes = SnapshotRenderer.render(expected, as: format)
            for given in [format, nil] {
                let snapshot = try SnapshotAssembler.snapshot([(Self.fileName(format), bytes)], format: given)
                #expect(snapshot.records.count == count, "\(format) \(count) given \(String(describing: given))")
                #expect(snapshot.records.map(\.profile.key) == expected.map(\.key), "\(format) \(count)")
                #expect(snapshot.records.last?.profile.securityProfileName == expected.last?.securityProfileName)
            }
        }
    }

    @Test("an AWS file past one batch reads the same while recognising open versions")
    func awsRecognisingPastABatch() throws {
        let expected = Self.profiles(SnapshotReader.batchSize + 10)
        let bytes = SnapshotRenderer.render(expected, as: .aws)
        for name in ["pulled.json", "pulled.aws.jsonl", "pulled.ndjson"] {
            let snapshot = try SnapshotAssembler.snapshot([(name, bytes)], known: OpenVersions([]))
            #expect(snapshot.records.count == expected.count, "\(name)")
            #expect(snapshot.records.last?.profile.permissions == ["BasicAgentAccess"], "\(name)")
        }
    }
}

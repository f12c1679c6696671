import AuditCore
import AuditModel
import AuditTime
import Foundation
import PropertyBased
import SnapshotReading
import TestSupport
import Testing

/// Generators of awkward profiles: text built from fragments that break naive readers.
enum ProfileGen {
    static let fragments = [
        "a", "Z", "0", " ", ",", "\"", "\\", "=>", ":", "{", "}", "[", "]", "\n", "\r\n", "\t", "–", "名", "é", "e\u{301}", "NULL", "'", "k:v", "\\N",
    ]
    static let text = Gen.int(in: 0...(fragments.count - 1)).map { fragments[$0] }.array(of: 0...5).map { $0.joined() }
    static let texts = text.array(of: 8)
    static let sets = text.array(of: 0...4).array(of: 5)
    static let instant = Gen.int64(
        in: Instant.validRange.lowerBound.microsecondsSinceEpoch...Instant.validRange.upperBound.microsecondsSinceEpoch
    ).optional
    static let extras = text.array(of: 0...2)

    /// A profile from generated parts; `key` and `extra` shaped as every format can carry.
    static func profile(texts: [String], sets: [[String]], micros: Int64?, extras: [String]) -> SecurityProfile {
        var extra: [String: String] = [:]
        for (index, value) in extras.enumerated() where !value.isEmpty {
            extra["x_\(index)"] = String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        return SecurityProfile(
            key: "k" + texts[0],
            accountID: texts[1],
            allowedAccessControlHierarchyGroupID: texts[2],
            allowedAccessControlTags: sets[0],
            arn: texts[3],
            description: texts[4],
            hierarchyRestrictedResources: sets[1],
            id: texts[5],
            lastModifiedRegion: texts[6],
            lastModifiedTime: micros.map { Instant(microsecondsSinceEpoch: $0) },
            organizationResourceID: texts[7],
            securityProfileName: texts[0] + texts[7],
            tagRestrictedResources: sets[2],
            tags: sets[3],
            permissions: sets[4],
            applications: sets[1].map { "App:p" + $0 },
            granularAccessControl: texts[6].isEmpty ? nil : ExtraValue.canonicalJSON(["DataTableAccessControlConfiguration": ["x": texts[6]]]),
            extra: extra)
    }

    /// Adjusts a profile to what `format` can express: DDSQL keeps milliseconds and has no
    /// permissions, applications or granular access columns; AWS derives `_key` and `account_id` from the ARN.
    static func expressible(_ profile: SecurityProfile, in format: SnapshotFormat, account: String) -> SecurityProfile {
        var profile = profile
        switch format {
        case .ddsql:
            profile.lastModifiedTime = profile.lastModifiedTime.map {
                Instant(microsecondsSinceEpoch: ($0.microsecondsSinceEpoch / 1000 - ($0.microsecondsSinceEpoch % 1000 < 0 ? 1 : 0)) * 1000)
            }
            profile.permissions = []
            profile.applications = []
            profile.granularAccessControl = nil
            profile.extra = [:]
        case .aws:
            let arn = "arn:aws:connect:us-east-1:\(account):instance/i-1/security-profile/" + profile.key
            profile.key = arn
            profile.arn = arn
            profile.accountID = account
        default: break
        }
        return profile
    }
}

@Suite("round trips and laws")
struct RoundTripPropertyTests {
    @Test("rendering a record to each format and reading it back gives the same record", arguments: SnapshotFormat.allCases)
    func renderThenRead(format: SnapshotFormat) async {
        await propertyCheck(count: 200, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras) { texts, sets, micros, extras in
            let profile = ProfileGen.expressible(
                ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras), in: format, account: "123456789012")
            let second = SecurityProfile(key: profile.key + "-2", securityProfileName: "second")
            let bytes = SnapshotRenderer.render([profile, ProfileGen.expressible(second, in: format, account: "123456789012")], as: format)
            do {
                let records = try SnapshotAssembler.read([("roundtrip", bytes)], format: format)
                #expect(records.first?.profile == profile)
                #expect(records.count == 2)
            } catch {
                Issue.record("\(format): \(error)\n\(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    @Test("hashing is invariant under set order and duplicates; any content change moves it")
    func hashInvariance() async {
        await propertyCheck(count: 200, input: ProfileGen.texts, ProfileGen.sets, ProfileGen.instant, ProfileGen.extras) { texts, sets, micros, extras in
            let profile = ProfileGen.profile(texts: texts, sets: sets, micros: micros, extras: extras)
            let shuffled = ProfileGen.profile(
                texts: texts, sets: sets.map { ($0 + $0.prefix(1)).shuffled() }, micros: micros, extras: extras)
            #expect(shuffled == profile)
            #expect(shuffled.contentHash == profile.contentHash)
            // _key and last_modified_time are not content.
            var moved = profile
            moved.key += "x"
            moved.lastModifiedTime = Instant(microsecondsSinceEpoch: 42)
            #expect(moved.contentHash == profile.contentHash)
            var changed = profile
            changed.tags.append("added:\(profile.tags.count)")
            #expect(changed.contentHash != profile.contentHash)
            var renamed = profile
            renamed.description = (profile.description ?? "") + "."
            #expect(renamed.contentHash != profile.contentHash)
        }
    }

    @Test("a value moved between fields changes the hash (the encoding is unambiguous)")
    func unambiguousEncoding() {
        let a = SecurityProfile(key: "k", description: "x", tags: ["a"])
        let b = SecurityProfile(key: "k", id: "x", tags: ["a"])
        let c = SecurityProfile(key: "k", description: "x", tagRestrictedResources: ["a"])
        let d = SecurityProfile(key: "k", tags: ["a", "b"])
        let e = SecurityProfile(key: "k", tags: ["ab"])
        #expect(Set([a, b, c, d, e].map(\.contentHash)).count == 5)
        // Missing, null and empty are the same.
        #expect(SecurityProfile(key: "k", description: "").contentHash == SecurityProfile(key: "k").contentHash)
        #expect(SecurityProfile(key: "k").contentHash.count == 64)
    }
}

import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading
import TestSupport
import Testing

/// Snapshots read twice: once to fingerprint, once against the open versions that gives.
enum RecognitionFixture {
    static func profiles(_ count: Int) -> [SecurityProfile] {
        (0..<count).map { index in
            DiffFixture.profile(
                String(format: "p%04d", index), instance: index % 3 == 0 ? DiffFixture.instanceB : DiffFixture.instanceA,
                time: 1_000 + Int64(index), description: "profile \(index), \"quoted\", with commas")
        }
    }

    /// The open versions a fully decoded (and fingerprinted) snapshot would leave, all at `version`.
    static func openVersions(_ snapshot: Snapshot, version: Int = 1) -> OpenVersions {
        OpenVersions(snapshot.records.indices.map { index in
            let profile = snapshot.records[index].profile
            return OpenVersion(
                key: profile.key, version: version, lastModifiedTime: profile.lastModifiedTime,
                contentHash: snapshot.contentDigests[index], scopeInstance: profile.scopeInstance, accountID: profile.accountID,
                sourceFingerprint: snapshot.records[index].sourceFingerprint)
        })
    }

    static func read(_ bytes: [UInt8], _ format: SnapshotFormat, known: OpenVersions?) throws -> Snapshot {
        try SnapshotAssembler.snapshot([("night.\(format.rawValue)", bytes)], format: format, known: known)
    }
}

@Suite("source fingerprints: byte-identical records are recognised, not decoded")
struct SourceRecognitionTests {
    typealias R = RecognitionFixture

    @Test("a file read against the versions it produced is recognised whole, with the same digest", arguments: [
        SnapshotFormat.ndjson, .csv, .json, .aws,
    ])
    func recognisedWhole(format: SnapshotFormat) throws {
        let bytes = SnapshotRenderer.render(R.profiles(40), as: format)
        let first = try R.read(bytes, format, known: OpenVersions.none)
        #expect(first.records.count == 40)
        #expect(first.recognized.isEmpty)
        #expect(first.records.allSatisfy { $0.sourceFingerprint != nil })
        let open = R.openVersions(first)
        let again = try R.read(bytes, format, known: open)
        #expect(again.records.isEmpty)
        #expect(again.recognized.count == 40)
        #expect(Set(again.recognizedVersions.map(\.key)) == Set(first.records.map(\.profile.key)))
        #expect(again.contentSHA256 == first.contentSHA256)
        #expect(again.accounts == first.accounts)
        #expect(again.instances == first.instances)
        // Not fingerprinting at all gives the same digest too.
        #expect(try R.read(bytes, format, known: nil).contentSHA256 == first.contentSHA256)
    }

    @Test("open versions that arrive while the file is read (on another thread) give the same snapshot as ones at hand", arguments: [
        SnapshotFormat.ndjson, .csv,
    ])
    func versionsArrivingLate(format: SnapshotFormat) throws {
        // Three batches of records, so some are kept waiting and decoded later, in order.
        var profiles = R.profiles(SnapshotReader.batchSize * 2 + 100)
        let first = try R.read(SnapshotRenderer.render(profiles, as: format), format, known: OpenVersions.none)
        let open = R.openVersions(first)
        for index in stride(from: 0, to: profiles.count, by: 97) { profiles[index].description = "changed \(index)" }
        let bytes = SnapshotRenderer.render(profiles, as: format)
        let atHand = try R.read(bytes, format, known: open)
        #expect(atHand.records.count == (profiles.count + 96) / 97)
        #expect(atHand.recognized.count == profiles.count - atHand.records.count)
        /// Reads `bytes` in chunks; the versions are provided after `chunksBefore` chunks by another thread.
        func readLate(chunksBefore: Int) throws -> Snapshot {
            let known = KnownVersions()
            var reader = SnapshotReader(format: format, file: "night.\(format.rawValue)", loading: known)
            let chunk = 64 * 1024
            for (number, start) in stride(from: 0, to: bytes.count, by: chunk).enumerated() {
                if number == chunksBefore {
                    let thread = Thread { known.provide(open) }
                    thread.start()
                }
                reader.consume(Array(bytes[start..<min(start + chunk, bytes.count)]))
            }
            if chunksBefore > bytes.count / chunk { known.provide(open) }
            return try SnapshotAssembler.assemble([reader.finish()], against: known.wait())
        }
        for chunksBefore in [0, 10, Int.max] {
            let late = try readLate(chunksBefore: chunksBefore)
            #expect(late.records == atHand.records, "provided after \(chunksBefore) chunks")
            #expect(late.recognized == atHand.recognized, "provided after \(chunksBefore) chunks")
            #expect(late.contentSHA256 == atHand.contentSHA256)
        }
    }

    @Test("DDSQL's column-major response has no per-record bytes: nothing is fingerprinted")
    func ddsqlIsDecoded() throws {
        let bytes = SnapshotRenderer.render(R.profiles(5), as: .ddsql)
        let snapshot = try R.read(bytes, .ddsql, known: OpenVersions.none)
        #expect(snapshot.records.count == 5)
        #expect(snapshot.records.allSatisfy { $0.sourceFingerprint == nil })
    }

    @Test("changed records are decoded, the rest recognised, and the change set is the one decoding everything gives")
    func sameChangeSet() throws {
        var night1 = R.profiles(60)
        let first = try R.read(SnapshotRenderer.render(night1, as: .ndjson), .ndjson, known: OpenVersions.none)
        let open = R.openVersions(first)
        var state: [String: StoredVersion] = [:]
        for record in first.records { state[record.profile.key] = StoredVersion(version: 1, profile: record.profile) }
        // Night 2: five modified, one touched, one stale, two deleted, three created.
        for index in 0..<5 { night1[index].description = "changed \(index)"; night1[index].lastModifiedTime = Instant(microsecondsSinceEpoch: 9_000_000_000) }
        night1[10].lastModifiedTime = Instant(microsecondsSinceEpoch: 9_000_000_000)
        night1[11].lastModifiedTime = Instant(microsecondsSinceEpoch: 1)
        night1.removeSubrange(20..<22)
        night1 += (0..<3).map { DiffFixture.profile("new-\($0)", time: 5_000) }
        let bytes = SnapshotRenderer.render(night1, as: .ndjson)
        let recognising = try R.read(bytes, .ndjson, known: open)
        let decoding = try R.read(bytes, .ndjson, known: nil)
        #expect(recognising.recognized.count == 60 - 5 - 2 - 2)
        #expect(recognising.records.count == 5 + 2 + 3)
        #expect(recognising.contentSHA256 == decoding.contentSHA256)

        func diff(_ snapshot: Snapshot, _ open: OpenVersions) -> ChangeSet {
            let needed = Differ.priorRowsNeeded(snapshot, open: open)
            var openProfiles: [String: SecurityProfile] = [:]
            for key in needed.changed { openProfiles[key] = state[key]?.profile }
            return Differ.diff(
                snapshot, open: open, openProfiles: openProfiles, lastVersions: [:], scope: snapshot.impliedScope, scopeIsImplied: true)
        }
        let fast = diff(recognising, open)
        let slow = diff(decoding, open)
        #expect(fast.events == slow.events)
        #expect(fast.closedVersions == slow.closedVersions)
        #expect(fast.warnings == slow.warnings)
        #expect((fast.unchanged, fast.openInScope) == (slow.unchanged, slow.openInScope))
        #expect(fast.newVersions.map { [String($0.version), $0.profile.key, $0.contentHash] }
            == slow.newVersions.map { [String($0.version), $0.profile.key, $0.contentHash] })
        // New versions remember the bytes they came from; without fingerprinting there are none.
        #expect(fast.newVersions.allSatisfy { $0.sourceFingerprint != nil })
        #expect(slow.newVersions.allSatisfy { $0.sourceFingerprint == nil })
        #expect(fast.count(.modified) == 5 && fast.count(.touched) == 1 && fast.count(.deleted) == 2 && fast.count(.created) == 3)
        #expect(fast.warnings.map(\.kind) == ["stale_observation"])
    }

    @Test("the fingerprint covers the CSV header and the format: the same bytes read another way are decoded")
    func fingerprintCoversHowBytesAreRead() throws {
        // The same row bytes under swapped columns mean another profile: not recognised.
        let csv = Array("_key,description,security_profile_name\nk1,alpha,beta\n".utf8)
        let open = R.openVersions(try R.read(csv, .csv, known: OpenVersions.none))
        #expect(try R.read(csv, .csv, known: open).recognized.count == 1)
        let swapped = Array("_key,security_profile_name,description\nk1,alpha,beta\n".utf8)
        let again = try R.read(swapped, .csv, known: open)
        #expect(again.recognized.isEmpty)
        #expect(again.records.first?.profile.description == "beta")
        #expect(again.contentSHA256 != (try R.read(csv, .csv, known: nil)).contentSHA256)

        let line = #"{"_key": "k1", "description": "first", "last_modified_time": 1700000000}"#
        let ndjsonOpen = R.openVersions(try R.read(Array((line + "\n").utf8), .ndjson, known: OpenVersions.none))
        #expect(try R.read(Array((line + "\n").utf8), .ndjson, known: ndjsonOpen).recognized.count == 1)
        let asArray = try R.read(Array(("[" + line + "]").utf8), .json, known: ndjsonOpen)
        #expect(asArray.recognized.isEmpty)
        #expect(asArray.records.count == 1)
    }

    @Test("a repeated record is a duplicate _key even when both copies are recognised, naming both lines")
    func duplicatesAcrossRecognition() throws {
        let line = #"{"_key": "k1", "description": "first"}"#
        let open = R.openVersions(try R.read(Array((line + "\n").utf8), .ndjson, known: OpenVersions.none))
        let twice = Array((line + "\n" + line + "\n").utf8)
        let error = #expect(throws: SnapshotReadError.self) { try R.read(twice, .ndjson, known: open) }
        #expect(error?.issues.map(\.line) == [2])
        #expect(error?.issues.first?.message.contains("also at line 1") == true)
        // One copy recognised, the other (different bytes, same key) decoded: reported at the later line.
        let mixed = Array((#"{"_key": "k1", "description": "other"}"# + "\n" + line + "\n").utf8)
        let mixedError = #expect(throws: SnapshotReadError.self) { try R.read(mixed, .ndjson, known: open) }
        #expect(mixedError?.issues.map(\.line) == [2])
        #expect(mixedError?.issues.first?.message.contains("also at line 1") == true)
    }

    @Test("a file whose every record is recognised is not an empty export")
    func allRecognisedIsNotEmpty() throws {
        let bytes = SnapshotRenderer.render(R.profiles(3), as: .csv)
        let open = R.openVersions(try R.read(bytes, .csv, known: OpenVersions.none))
        #expect(try R.read(bytes, .csv, known: open).count == 3)
    }

    @Test("SHA-256 digests round-trip through hex; anything but 64 hex digits is refused")
    func digestHex() throws {
        let digest = try #require(SHA256Digest(hex: String(repeating: "0123456789abcdef", count: 4)))
        #expect(digest.hex == String(repeating: "0123456789abcdef", count: 4))
        #expect(SHA256Digest(hex: String(repeating: "0123456789ABCDEF", count: 4)) == digest)
        #expect(SHA256Digest(hex: String(repeating: "a", count: 63)) == nil)
        #expect(SHA256Digest(hex: String(repeating: "g", count: 64)) == nil)
        let fingerprinter = SourceFingerprinter(format: .ndjson)
        let bytes = Array("{}".utf8)
        let once = bytes.withUnsafeBufferPointer { fingerprinter.fingerprint($0) }
        #expect(bytes.withUnsafeBufferPointer { fingerprinter.fingerprint($0) } == once)
        #expect(Array("{ }".utf8).withUnsafeBufferPointer { fingerprinter.fingerprint($0) } != once)
    }
}

import AuditCore
import AuditModel
import AuditTime
import SnapshotReading
import TestSupport

/// Successive nightly snapshots with a realistic mix of changes: about `changeRate` of the
/// profiles change each night, as permission grants and withdrawals, other edits, touches,
/// deletions, creations and re-creations.
struct NightlyMix {
    private(set) var profiles: [SecurityProfile]
    /// The keys of the profiles the last `advance` edited, created or brought back: every
    /// other profile is as it was the night before.
    private(set) var touched: Set<String> = []
    private var deleted: [SecurityProfile] = []
    private var random: SeededRandom
    private var nextIndex: Int
    let changeRate: Double

    init(count: Int, seed: UInt64, changeRate: Double = 0.01) {
        profiles = SyntheticProfiles.generate(count: count, seed: seed)
        random = SeededRandom(seed: seed &+ 1)
        nextIndex = count
        self.changeRate = changeRate
    }

    /// Tonight's snapshot as a nightly ingest reads it against `open` (last night's open
    /// versions): the profiles `advance` touched decoded, every other one recognised as its
    /// open version, as the readers recognise a line whose bytes have not changed since
    /// (`SourceFingerprint`): hashing and decoding all of them every night, as the readers
    /// never do, would make a year of history take hours to build.
    func snapshot(night: Int, against open: OpenVersions) -> Snapshot {
        var records: [ParsedRecord] = []
        var recognized: [RecognizedRecord] = []
        recognized.reserveCapacity(profiles.count)
        let file = "night-\(night)"
        for index in profiles.indices {
            if !touched.contains(profiles[index].key), let version = open.index(of: profiles[index].key) {
                recognized.append(RecognizedRecord(index: version, file: file, line: index + 1))
            } else {
                records.append(ParsedRecord(profile: profiles[index], file: file, line: index + 1))
            }
        }
        return Snapshot(records: records, recognized: recognized, readAgainst: open, digests: SnapshotHashing.digests(of: records[...]))
    }

    /// Moves to the next night: each change picked at random, then applied.
    mutating func advance(night: Int) {
        let changes = max(1, Int(Double(profiles.count) * changeRate))
        let later = Instant(microsecondsSinceEpoch: 1_800_000_000_000_000 + Int64(night) * 86_400_000_000)
        touched = []
        for _ in 0..<changes {
            let roll = random.next() % 100
            let index = Int(random.next() % UInt64(profiles.count))
            if roll >= 80 && roll < 90 {
                // Deleted: the last profile takes its place (removing from the middle moved
                // every later profile, a second a night at 1,000,000).
                profiles.swapAt(index, profiles.count - 1)
                deleted.append(profiles.removeLast())
                continue
            }
            if roll < 80 { touched.insert(profiles[index].key) }  // edited in place
            switch roll {
            case 0..<15:  // a permission granted (widened)
                var profile = profiles[index]
                let pool = SyntheticProfiles.catalog[random.next() % 2 == 0 ? .readOnly : .other] ?? []
                profile.permissions = Array(Set(profile.permissions + [pool[Int(random.next() % UInt64(pool.count))]])).sorted()
                profile.lastModifiedTime = later
                profiles[index] = profile
            case 15..<30:  // a permission withdrawn (narrowed; widened if it was a Restrict* one)
                var profile = profiles[index]
                if !profile.permissions.isEmpty { profile.permissions.remove(at: Int(random.next() % UInt64(profile.permissions.count))) }
                profile.lastModifiedTime = later
                profiles[index] = profile
            case 30..<50:  // edited in the console: a restriction removed, a description
                var profile = profiles[index]
                profile.description = (profile.description ?? "") + " (edited night \(night))"
                if !profile.tagRestrictedResources.isEmpty { profile.tagRestrictedResources.removeLast() }
                profile.lastModifiedTime = later
                profiles[index] = profile
            case 50..<70:  // saved without a visible change
                profiles[index].lastModifiedTime = later
            case 70..<80:  // a tag edit that did not move the timestamp
                profiles[index].tags.append("reviewed:night-\(night)")
            case 90..<95 where !deleted.isEmpty:
                var back = deleted.removeLast()
                back.lastModifiedTime = later
                touched.insert(back.key)
                profiles.append(back)
            default:  // a new profile
                var random = self.random
                var profile = SyntheticProfiles.profile(nextIndex, &random)
                self.random = random
                profile.lastModifiedTime = later
                touched.insert(profile.key)
                profiles.append(profile)
                nextIndex += 1
            }
        }
    }
}

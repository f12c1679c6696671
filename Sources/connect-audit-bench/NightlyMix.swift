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

    /// Moves to the next night: each change picked at random, then applied.
    mutating func advance(night: Int) {
        let changes = max(1, Int(Double(profiles.count) * changeRate))
        let later = Instant(microsecondsSinceEpoch: 1_800_000_000_000_000 + Int64(night) * 86_400_000_000)
        for _ in 0..<changes {
            let roll = random.next() % 100
            let index = Int(random.next() % UInt64(profiles.count))
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
            case 80..<90:
                deleted.append(profiles.remove(at: index))
            case 90..<95 where !deleted.isEmpty:
                var back = deleted.removeLast()
                back.lastModifiedTime = later
                profiles.append(back)
            default:
                var random = self.random
                var profile = SyntheticProfiles.profile(nextIndex, &random)
                self.random = random
                profile.lastModifiedTime = later
                profiles.append(profile)
                nextIndex += 1
            }
        }
    }
}

import AuditModel
import Platform

/// The digests of a snapshot's decoded records, hashed on every core.
package enum SnapshotHashing {
    /// `Snapshot.digests(of:)`, each core hashing one share of the records.
    package static func digests(of records: ArraySlice<ParsedRecord>) -> [RecordDigests] {
        let start = records.startIndex
        return ParallelWork.map(records.count, workers: ParallelWork.workers(for: records.count)) { range in
            Snapshot.digests(of: records[(start + range.lowerBound)..<(start + range.upperBound)])
        }.flatMap { $0 }
    }
}

import AuditModel
import AuditStore
import Foundation
import Platform
import SnapshotReading

/// Reads a snapshot's files while the open versions load from the database, on a thread of
/// their own: the server's scan and the client's decoding of the open versions run beside
/// the reading and fingerprinting of the file instead of before it (see `KnownVersions`).
enum ReadWhileLoading {
    /// The open state (loaded before the file is decoded, as `Ingestor.ingest` expects) and
    /// the snapshot read against it.
    ///
    /// - Throws: the reading's error (bad input) first, else the load's; either way only
    ///   after the loading thread has finished with the connection.
    static func read(
        _ paths: [String], format: SnapshotFormat?, countIsComplete: Bool = false, ingestor: Ingestor
    ) throws -> (state: OpenState, snapshot: Snapshot) {
        let known = KnownVersions()
        // The connection is used by the loading thread alone until its result is taken.
        let load = Future(lending: ingestor) { ingestor in
            let result = Result { try ingestor.openState() }
            // A failed load recognises nothing; the result says why.
            known.provide((try? result.get())?.versions ?? .none)
            return result
        }
        let snapshot: Snapshot
        do {
            snapshot = try SnapshotFiles.read(paths, format: format, known: known, countIsComplete: countIsComplete)
        } catch {
            _ = try? load.get()
            throw error
        }
        return (try load.get(), snapshot)
    }
}

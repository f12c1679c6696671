import AuditStore
import Foundation
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
        let load = Load(ingestor: ingestor, known: known)
        let thread = Thread { load.run() }
        thread.stackSize = 8 << 20
        thread.start()
        let snapshot: Snapshot
        do {
            snapshot = try SnapshotFiles.read(paths, format: format, known: known, countIsComplete: countIsComplete)
        } catch {
            _ = try? load.wait()
            throw error
        }
        return (try load.wait(), snapshot)
    }

    /// The load on its thread; the connection is used by it alone until `wait` returns.
    private final class Load: @unchecked Sendable {
        private let ingestor: Ingestor
        private let known: KnownVersions
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<OpenState, any Error>?

        init(ingestor: Ingestor, known: KnownVersions) {
            self.ingestor = ingestor
            self.known = known
        }

        func run() {
            let result = Result { try ingestor.openState() }
            self.result = result
            // A failed load recognises nothing; `wait` reports why.
            known.provide((try? result.get())?.versions ?? .none)
            done.signal()
        }

        /// The loaded state, once the thread is done with the connection.
        func wait() throws -> OpenState {
            done.wait()
            done.signal()  // a second wait returns at once
            return try result!.get()
        }
    }
}

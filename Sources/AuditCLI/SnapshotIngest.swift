import AuditModel
import AuditStore
import Foundation
import Platform
import SnapshotReading

/// Reads one snapshot's files and ingests it: the path `ingest` and `nightly` share.
enum SnapshotIngest {
    /// Inputs at least this large (their regular files together) go into an empty history
    /// as a streamed first load (`Ingestor.firstLoad`): a few thousand rows, near the
    /// 10,000 new versions where `BulkLoad` starts. A judgment, not a measured break-even:
    /// below it the whole read is short. Smaller inputs, standard input
    /// (its size is unknown) and dry runs are read first and then ingested.
    static let firstLoadMinimumBytes = 4 << 20

    /// Reads `paths` as one snapshot and ingests it with `request` (whose `snapshot` is
    /// replaced by the one read).
    static func run(
        _ paths: [String], format: SnapshotFormat?, countIsComplete: Bool, request: IngestRequest, ingestor: Ingestor
    ) throws -> (snapshot: Snapshot, outcome: IngestOutcome) {
        let name = paths.joined(separator: ", ")
        if !request.dryRun, (inputBytes(paths) ?? 0) >= firstLoadMinimumBytes,
           let loaded = try ingestor.firstLoad(request, reading: { decoded in
               Progress.say("reading \(name) into an empty history (versions sent as they are read)")
               return try SnapshotFiles.readStreaming(paths, format: format, countIsComplete: countIsComplete, decoded: decoded)
           }) {
            return loaded
        }
        // Loaded while reading, so records an open version was read from are recognised, not decoded.
        Progress.say("reading \(name)")
        let (state, snapshot) = try ReadWhileLoading.read(paths, format: format, countIsComplete: countIsComplete, ingestor: ingestor)
        Progress.say("diffing \(snapshot.count) profiles (\(snapshot.recognized.count) unchanged byte for byte)")
        var request = request
        request.snapshot = snapshot
        let outcome = try ingestor.ingest(request, state: state)
        ProcessLifetime.keepUntilExit((state, request))
        return (snapshot, outcome)
    }

    /// The size of `paths` together when every one is a regular file; `nil` otherwise.
    private static func inputBytes(_ paths: [String]) -> Int? {
        var total = 0
        for path in paths {
            var status = stat()
            guard path != "-", stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
            total += Int(status.st_size)
        }
        return total
    }
}

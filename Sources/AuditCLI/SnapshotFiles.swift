import AuditCore
import AuditModel
import Foundation
import SnapshotReading

/// Reads snapshot files from disk (or standard input) in large chunks and hands the bytes
/// to `SnapshotReader` as they come, so NDJSON and CSV are never held whole in memory.
package enum SnapshotFiles {
    /// Bytes read per system call.
    static let chunkSize = 1 << 20

    /// Reads each path as one part of a snapshot (`-` is standard input).
    ///
    /// - Parameters:
    ///   - format: the format, or `nil` to detect it per file from its name and first bytes.
    ///   - known: the open versions, perhaps still loading: records one of them was read
    ///     from are recognised, not decoded; `nil` decodes everything and fingerprints nothing.
    /// - Throws: `SnapshotReadError` for bad input (every part is read first, so all
    ///   problems are reported together), `CLIError` when a file cannot be opened.
    ///   - countIsComplete: a last DDSQL page of exactly a `row_limit`'s rows is the whole table.
    package static func read(
        _ paths: [String], format: SnapshotFormat?, known: KnownVersions? = nil, countIsComplete: Bool = false
    ) throws -> Snapshot {
        var parts: [SnapshotPart] = []
        for path in paths { parts.append(try readPart(path, format: format, known: known)) }
        return try SnapshotAssembler.assemble(parts, against: known?.wait() ?? .none, countIsComplete: countIsComplete)
    }

    /// Reads each path as one part of a snapshot, to records only: no fingerprints, no
    /// hashes (the readers' benchmark).
    package static func readRecords(_ paths: [String], format: SnapshotFormat?) throws -> [ParsedRecord] {
        try SnapshotAssembler.records(try paths.map { try readPart($0, format: format, known: nil) })
    }

    /// Reads one file into a part.
    private static func readPart(_ path: String, format: SnapshotFormat?, known: KnownVersions?) throws -> SnapshotPart {
        let descriptor = path == "-" ? FileHandle.standardInput.fileDescriptor : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CLIError("cannot open \(path): \(String(cString: strerror(errno))); check the path and its permissions")
        }
        defer { if path != "-" { close(descriptor) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var reader: SnapshotReader?
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if reader == nil {
                let detected = format ?? SnapshotFormat.detect(
                    fileName: path, prefix: ArraySlice(chunk.bindMemory(to: UInt8.self)))
                reader = SnapshotReader(format: detected, file: path, loading: known)
            }
            if count == 0 { break }
            reader?.consume(chunk)
            if reader?.wantsMore == false { break }  // refused at a size limit: the rest is not read
        }
        guard var finished = reader else { preconditionFailure("the first read always creates the reader") }
        return finished.finish()
    }
}

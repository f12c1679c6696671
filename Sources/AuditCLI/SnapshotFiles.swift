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
        for path in paths { parts.append(try readPart(path, format: format, known: known, decoded: nil)) }
        return try SnapshotAssembler.assemble(parts, against: known?.wait() ?? .none, countIsComplete: countIsComplete)
    }

    /// Reads each path as one part of a snapshot for an empty history, handing each run of
    /// records to `decoded` with their digests as soon as they are decoded, in input order
    /// (a first load sends them to the server while the rest of the file is read). Every
    /// record is fingerprinted, as against an empty history.
    ///
    /// - Throws: as `read`, after `decoded` has seen the records read before the problem:
    ///   the caller must discard them.
    package static func readStreaming(
        _ paths: [String], format: SnapshotFormat?, countIsComplete: Bool = false,
        decoded: (ArraySlice<ParsedRecord>, ArraySlice<RecordDigests>) throws -> Void
    ) throws -> Snapshot {
        let known = KnownVersions(.none)
        var digests: [RecordDigests] = []
        var parts: [SnapshotPart] = []
        try withoutActuallyEscaping(decoded) { decoded in
            let stream: RecordStream = { records in
                let start = digests.count
                digests += SnapshotHashing.digests(of: records)
                try decoded(records, digests[start...])
            }
            for path in paths { parts.append(try readPart(path, format: format, known: known, decoded: stream)) }
        }
        return try SnapshotAssembler.assemble(parts, against: .none, countIsComplete: countIsComplete, digests: digests)
    }

    /// Receives records as they are decoded.
    private typealias RecordStream = (ArraySlice<ParsedRecord>) throws -> Void

    /// Reads each path as one part of a snapshot, to records only: no fingerprints, no
    /// hashes (the readers' benchmark).
    package static func readRecords(_ paths: [String], format: SnapshotFormat?) throws -> [ParsedRecord] {
        try SnapshotAssembler.records(try paths.map { try readPart($0, format: format, known: nil, decoded: nil) })
    }

    /// Reads one file into a part, handing `decoded` each run of records as it is decoded.
    private static func readPart(
        _ path: String, format: SnapshotFormat?, known: KnownVersions?, decoded: RecordStream?
    ) throws -> SnapshotPart {
        let descriptor = path == "-" ? FileHandle.standardInput.fileDescriptor : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CLIError("cannot open \(path): \(String(cString: strerror(errno))); check the path and its permissions")
        }
        defer { if path != "-" { close(descriptor) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var reader: SnapshotReader?
        var handedOn = 0
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
            if let decoded, let records = reader?.decodedRecords, records.count > handedOn {
                try decoded(records[handedOn...])
                handedOn = records.count
            }
        }
        guard var finished = reader else { preconditionFailure("the first read always creates the reader") }
        let part = finished.finish()
        if let decoded, part.records.count > handedOn { try decoded(part.records[handedOn...]) }
        return part
    }
}

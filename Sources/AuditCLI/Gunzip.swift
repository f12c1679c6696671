import CZlib
import Foundation

/// gzip decompression with zlib's `inflate` (CloudTrail delivers `.json.gz` log files).
enum Gunzip {
    /// Whether `bytes` start with gzip's magic number.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The decompressed bytes of every gzip member in `bytes`, at most `limit` of them.
    /// - Throws: `CLIError` for corrupt data or output past `limit`.
    static func inflate(_ bytes: [UInt8], file: String, limit: Int = 1 << 30) throws -> [UInt8] {
        var output: [UInt8] = []
        var stream = z_stream()
        // 15 + 16: a gzip wrapper (not zlib's).
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CLIError("\(file): zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else { throw CLIError("\(file): more than \(limit) bytes once unpacked; not a CloudTrail log file") }
                switch status {
                case Z_STREAM_END:
                    // Concatenated members (gzip allows them): go on while input remains.
                    guard stream.avail_in > 0 else { return }
                    guard inflateReset(&stream) == Z_OK else { throw CLIError("\(file): zlib could not read the next gzip member") }
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 { throw CLIError("\(file): the gzip data ends early (a cut-off download?)") }
                case Z_BUF_ERROR:
                    throw CLIError("\(file): the gzip data ends early (a cut-off download?)")
                default:
                    throw CLIError("\(file): not valid gzip data (zlib: \(stream.msg.map { String(cString: $0) } ?? "error \(status)"))")
                }
            }
        }
        return output
    }
}

import Foundation

/// Standard output and error as file descriptors, for output too large for `print`.
package enum StandardOutput {
    /// Why standard output could not be written (a closed pipe, a full disk).
    package struct WriteError: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// Writes `bytes` whole with `write(2)` (not through `stdout`'s buffer, which copies
    /// each byte once more).
    package static func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(WriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// `write` of an array's bytes.
    package static func write(_ bytes: [UInt8]) throws(WriteError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(WriteError) in try write(buffer) }
    }

    /// Asks for a pipe buffer of 1 MiB when standard output is a pipe (Linux's
    /// `F_SETPIPE_SZ`, 1031 in `fcntl(2)`, which Swift's Glibc module does not name), so
    /// that gigabytes reach the reading command in 16 times fewer writes than through the
    /// default 64 KiB. Anything else, or a refusal (a size above
    /// `/proc/sys/fs/pipe-max-size`), leaves the output as it was.
    package static func enlargePipe() {
        #if os(Linux)
        var status = stat()
        guard fstat(STDOUT_FILENO, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else { return }
        _ = fcntl(STDOUT_FILENO, 1031, 1 << 20)
        #endif
    }

    /// Whether standard error is a terminal (a person watching, who wants progress).
    package static var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

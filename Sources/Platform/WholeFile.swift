import Foundation

/// Why a file could not be read whole, in words a user can act on.
package struct FileReadError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// A file read whole into one buffer, with read(2): no copy through `Data`.
package enum WholeFile {
    /// The bytes of `path`.
    /// - Throws: `FileReadError` when it cannot be opened or read, is larger than `limit`
    ///   bytes, or grew while it was read.
    package static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileReadError("cannot open \(path): \(String(cString: strerror(errno))); check the path and its permissions")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileReadError("cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(status.st_size)
        guard size <= limit else { throw FileReadError("\(path): more than \(limit) bytes; it is read whole") }
        var failure: Int32 = 0
        // Audited: read(2) writes only inside the buffer's room, and `count` is what it wrote.
        // One byte of room past the size tells a file that grew while it was read.
        let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            while count < buffer.count {
                let read = Foundation.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
                if read < 0, errno == EINTR { continue }
                if read < 0 { failure = errno }
                if read <= 0 { break }
                count += read
            }
        }
        guard failure == 0 else { throw FileReadError("cannot read \(path): \(String(cString: strerror(failure)))") }
        guard bytes.count <= size else { throw FileReadError("\(path) grew while it was read; read it once it is complete") }
        return bytes
    }
}

import Dispatch
import Foundation

/// Why a file could not be written, in words a user can act on.
package struct FileWriteError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Files written so that nobody else can read them early or redirect them: created anew
/// beside their final name (`O_CREAT|O_EXCL|O_NOFOLLOW`, so a planted file or symlink is an
/// error, never followed), with their final mode from the first byte, then renamed into place
/// (a symlink at the final name is replaced, not followed).
package enum PrivateFile {
    /// A new temporary file beside `path`, open for writing with `mode`: its descriptor and name.
    /// - Throws: `FileWriteError` naming the folder when it cannot be made.
    package static func create(beside path: String, mode: mode_t) throws -> (descriptor: Int32, path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        // Unpredictable, so nobody can plant something at the name first.
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw FileWriteError("cannot write beside \(path): \(String(cString: strerror(errno))); check the folder and its permissions")
        }
        return (descriptor, temporary)
    }

    /// Writes `bytes` to `path` whole or not at all, the file created with `mode`.
    /// - Parameter replacing: whether an existing file at `path` may be replaced.
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t, replacing: Bool = true) throws {
        let (descriptor, temporary) = try create(beside: path, mode: mode)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary)
            throw FileWriteError("cannot write \(path): \(error.localizedDescription)")
        }
        // link(2) for a file that must not replace one: it fails when the name is taken.
        let placed = replacing ? rename(temporary, path) : link(temporary, path)
        let failure = errno
        if !replacing || placed != 0 { unlink(temporary) }
        guard placed == 0 else {
            throw FileWriteError(failure == EEXIST ? "\(path) exists; it is never overwritten" : "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }

    /// Whether the file at `path` may be read by its group or others: a private key must not.
    package static func isReadableByOthers(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return status.st_mode & 0o077 != 0
    }
}

/// The partial files of unfinished work, removed when the process is interrupted
/// (SIGINT, SIGTERM): a half-written snapshot must not be left to be taken for a whole one.
package final class PartialFiles: @unchecked Sendable {
    package static let shared = PartialFiles()

    private let lock = NSLock()
    private var paths: Set<String> = []
    private var sources: [any DispatchSourceSignal] = []

    /// Removes `path` if the process is interrupted before `forget(path)`.
    package func remember(_ path: String) { lock.withLock { _ = paths.insert(path) } }

    package func forget(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// From now on SIGINT and SIGTERM remove every remembered file, then end the process
    /// with the shell's status for that signal (128 + its number). `_exit`, not a re-raised
    /// signal: threads may block the signal, and nothing else is left to do.
    package func removeOnInterrupt() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [self] in
                    let left = lock.withLock { paths }
                    for path in left { unlink(path) }
                    _exit(128 + number)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}

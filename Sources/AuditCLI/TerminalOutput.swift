import AuditModel
import Foundation

/// Prints one line for a person: text from outside (names, keys, descriptions, stored
/// errors) has its control characters escaped (`TextEscaping.terminal`).
func printForTerminal(_ line: String) {
    print(TextEscaping.terminal(line))
}

/// Prints one tab-separated row for a person: each cell escaped on its own, so a tab or a
/// line break inside a name can neither shift the columns nor forge a row.
func printRow(_ cells: [String]) {
    print(cells.map(TextEscaping.terminal).joined(separator: "\t"))
}

/// Writes `bytes` to standard output whole, with `write(2)` (not through `stdout`'s buffer,
/// which copied each of a year-long report's 2 GB once more).
/// - Throws: `CLIError` when the output cannot be written (a closed pipe, a full disk).
func writeStandardOutput(_ bytes: UnsafeBufferPointer<UInt8>) throws {
    var offset = 0
    while offset < bytes.count {
        let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw CLIError("cannot write the report to standard output (\(String(cString: strerror(errno)))): check the disk, or the command it is piped to")
        }
        offset += written
    }
}

/// Asks for a pipe buffer of 1 MiB when standard output is a pipe (Linux's `F_SETPIPE_SZ`,
/// 1031 in `fcntl(2)`, which Swift's Glibc module does not name), so that a report of
/// gigabytes reaches the command it is piped to in 16 times fewer writes (the default is
/// 64 KiB; writing 2 GB into `wc -l` from Python, it saved 0.2 s; not measured apart in the
/// report). Anything else, or a refusal (a size
/// above `/proc/sys/fs/pipe-max-size`), leaves the output as it was.
func enlargeStandardOutputPipe() {
    #if os(Linux)
    var status = stat()
    guard fstat(STDOUT_FILENO, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else { return }
    _ = fcntl(STDOUT_FILENO, 1031, 1 << 20)
    #endif
}

import ArgumentParser
import AuditCore
import AuditModel
import Foundation
import Platform
import SnapshotReading

/// Progress lines on stderr, only when stderr is a terminal (DESIGN §6).
enum Progress {
    static let enabled = StandardOutput.errorIsTerminal

    static func say(_ line: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

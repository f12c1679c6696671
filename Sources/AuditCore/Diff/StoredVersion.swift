import AuditModel
import ByteKernels

/// A stored version in full, for field diffs.
package struct StoredVersion: Hashable, Sendable {
    package var version: Int
    package var profile: SecurityProfile

    package init(version: Int, profile: SecurityProfile) {
        self.version = version
        self.profile = profile
    }
}

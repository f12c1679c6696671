import AuditModel
import AuditTime
import Foundation
import ByteKernels

/// How one field changed between two versions of a profile.
package enum FieldChange: Hashable, Sendable {
    /// A text field (or an `extra.<name>` value, as JSON text): `nil` is absent.
    case text(from: String?, to: String?)
    /// A set field: what was added and removed, each sorted.
    case set(added: [String], removed: [String])
    /// `last_modified_time`.
    case instant(from: Instant?, to: Instant?)
}

/// A set of the tracked fields (`ProfileField.tracked`) in one byte: a record's
/// `unobserved`. Every record a reader builds starts with all of them and clears each one
/// it sets; a `Set<ProfileField>` would be an allocation and hashing per record.
package struct TrackedFields: Hashable, Sendable, Sequence {
    private var bits: UInt8

    /// No field.
    package init() { bits = 0 }

    /// Every tracked field.
    package static let all = TrackedFields(bits: 0b111)

    private init(bits: UInt8) { self.bits = bits }

    private static func bit(_ field: ProfileField) -> UInt8 {
        switch field {
        case .permissions: 0b001
        case .applications: 0b010
        case .granularAccessControl: 0b100
        default: preconditionFailure("\(field.rawValue) is not a tracked field")
        }
    }

    package var isEmpty: Bool { bits == 0 }

    package func contains(_ field: ProfileField) -> Bool { bits & Self.bit(field) != 0 }

    package mutating func remove(_ field: ProfileField) { bits &= ~Self.bit(field) }

    /// The fields, in `ProfileField.tracked`'s order.
    package func makeIterator() -> IndexingIterator<[ProfileField]> {
        ProfileField.tracked.filter { contains($0) }.makeIterator()
    }
}

import AuditModel
import Testing

/// What a record holds, for memory at a million profiles: equal text once.
@Suite("security profile storage")
struct SecurityProfileStorageTests {
    /// The address of a string's UTF-8 (texts longer than 15 bytes live on the heap).
    static func storage(_ text: String?) -> UnsafeRawPointer? {
        text?.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    static let arn = "arn:aws:connect:us-east-1:123456789012:instance/i-1/security-profile/p-1"

    @Test("a key and an ARN of the same text share one string, set in either order or made together; different ones do not")
    func keyAndARNShare() {
        var keyFirst = SecurityProfile.unread()
        keyFirst.key = String(Self.arn.utf8.map { Character(Unicode.Scalar($0)) })  // a separate heap copy
        keyFirst.arn = String(Self.arn.utf8.map { Character(Unicode.Scalar($0)) })
        #expect(keyFirst.arn == keyFirst.key)
        #expect(Self.storage(keyFirst.arn) != nil && Self.storage(keyFirst.arn) == Self.storage(keyFirst.key))

        var arnFirst = SecurityProfile.unread()
        arnFirst.arn = String(Self.arn.utf8.map { Character(Unicode.Scalar($0)) })
        arnFirst.key = String(Self.arn.utf8.map { Character(Unicode.Scalar($0)) })
        #expect(Self.storage(arnFirst.arn) != nil && Self.storage(arnFirst.arn) == Self.storage(arnFirst.key))

        let made = SecurityProfile(key: String(Self.arn.utf8.map { Character(Unicode.Scalar($0)) }), arn: String(Self.arn.utf8.map { Character(Unicode.Scalar($0)) }))
        #expect(Self.storage(made.arn) != nil && Self.storage(made.arn) == Self.storage(made.key))

        var different = SecurityProfile.unread()
        different.key = Self.arn
        different.arn = Self.arn + "-other"
        #expect(different.key == Self.arn && different.arn == Self.arn + "-other")
    }
}

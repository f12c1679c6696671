import AuditTime
import Foundation

/// One Amazon Connect security profile in canonical form (DESIGN §1).
///
/// Canonical form is enforced by the initializer and the setters: optional text is `nil`
/// when missing, null or empty; sets are sorted and free of duplicates; instants are UTC
/// microseconds. Two inputs that mean the same profile are equal values with equal
/// `contentHash`.
///
/// The fields live in one copy-on-write box, so copying a profile (into arrays, change
/// sets, records) costs one reference count, not one per field.
package struct SecurityProfile: Hashable, Sendable {
    /// The stored fields, already canonical.
    struct Fields: Hashable {
        var key: String
        var accountID: String?
        var allowedAccessControlHierarchyGroupID: String?
        var allowedAccessControlTags: [String]
        var arn: String?
        var description: String?
        var hierarchyRestrictedResources: [String]
        var id: String?
        var lastModifiedRegion: String?
        var lastModifiedTime: Instant?
        var organizationResourceID: String?
        var securityProfileName: String?
        var tagRestrictedResources: [String]
        var tags: [String]
        var permissions: [String]
        var applications: [String]
        var granularAccessControl: String?
        var extra: [String: String]
    }

    /// Shared until written: only a uniquely referenced box is mutated.
    final class Box: @unchecked Sendable {
        /// Unchecked at run time: `mutate` writes it only through a box no one else
        /// references, so no two accesses can overlap (the checks cost one call per field set).
        @exclusivity(unchecked) var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// The tracked fields (`ProfileField.tracked`) this record's source did not carry: not
    /// part of the content, equality or hash. Readers start with all of them and clear each
    /// one they set; profiles made any other way observed every field.
    package var unobserved = TrackedFields()

    /// `text`, or `other` when it holds the same text: the key is the ARN in every export,
    /// and one string for both saves a copy of ~120 bytes in every record (massif).
    private static func sharing(_ text: String, with other: String?) -> String {
        if let other, other == text { return other }
        return text
    }

    private mutating func mutate(_ change: (inout Fields) -> Void) {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
        change(&box.fields)
    }

    /// `_key`: the identity of the profile (its ARN in every known export).
    package var key: String {
        get { box.fields.key }
        set {
            let key = newValue.canonicalUnicode
            mutate { $0.key = Self.sharing(key, with: $0.arn) }
        }
    }
    package var accountID: String? {
        get { box.fields.accountID }
        set { mutate { $0.accountID = newValue.canonicalText } }
    }
    package var allowedAccessControlHierarchyGroupID: String? {
        get { box.fields.allowedAccessControlHierarchyGroupID }
        set { mutate { $0.allowedAccessControlHierarchyGroupID = newValue.canonicalText } }
    }
    /// `key:value` strings, sorted (DDSQL's hstore with "= is contains" semantics).
    package var allowedAccessControlTags: [String] {
        get { box.fields.allowedAccessControlTags }
        set { mutate { $0.allowedAccessControlTags = newValue.canonicalSet } }
    }
    package var arn: String? {
        get { box.fields.arn }
        set {
            let arn = newValue.canonicalText
            mutate { fields in fields.arn = arn.map { Self.sharing($0, with: fields.key) } }
        }
    }
    package var description: String? {
        get { box.fields.description }
        set { mutate { $0.description = newValue.canonicalText } }
    }
    package var hierarchyRestrictedResources: [String] {
        get { box.fields.hierarchyRestrictedResources }
        set { mutate { $0.hierarchyRestrictedResources = newValue.canonicalSet } }
    }
    package var id: String? {
        get { box.fields.id }
        set { mutate { $0.id = newValue.canonicalText } }
    }
    package var lastModifiedRegion: String? {
        get { box.fields.lastModifiedRegion }
        set { mutate { $0.lastModifiedRegion = newValue.canonicalText } }
    }
    package var lastModifiedTime: Instant? {
        get { box.fields.lastModifiedTime }
        set { mutate { $0.lastModifiedTime = newValue } }
    }
    package var organizationResourceID: String? {
        get { box.fields.organizationResourceID }
        set { mutate { $0.organizationResourceID = newValue.canonicalText } }
    }
    package var securityProfileName: String? {
        get { box.fields.securityProfileName }
        set { mutate { $0.securityProfileName = newValue.canonicalText } }
    }
    package var tagRestrictedResources: [String] {
        get { box.fields.tagRestrictedResources }
        set { mutate { $0.tagRestrictedResources = newValue.canonicalSet } }
    }
    /// `key:value` strings, sorted.
    package var tags: [String] {
        get { box.fields.tags }
        set { mutate { $0.tags = newValue.canonicalSet } }
    }
    /// Permission names, sorted; empty when the export does not carry them.
    package var permissions: [String] {
        get { box.fields.permissions }
        set {
            mutate { $0.permissions = newValue.canonicalSet }
            unobserved.remove(.permissions)
        }
    }
    /// `Namespace:Permission` strings of the profile's applications.
    package var applications: [String] {
        get { box.fields.applications }
        set {
            mutate { $0.applications = newValue.canonicalSet }
            unobserved.remove(.applications)
        }
    }
    /// The `GranularAccessControlConfiguration`, as canonical JSON text.
    package var granularAccessControl: String? {
        get { box.fields.granularAccessControl }
        set {
            mutate { $0.granularAccessControl = newValue.canonicalText }
            unobserved.remove(.granularAccessControl)
        }
    }
    /// Unknown input fields, by name, each as canonical JSON text (never dropped).
    package var extra: [String: String] {
        get { box.fields.extra }
        set { mutate { $0.extra = newValue } }
    }

    /// Sets one unknown field in place (through `extra`'s getter each write would copy the
    /// whole dictionary, quadratic in a record of many unknown fields).
    package mutating func setExtra(_ value: String?, for name: String) {
        mutate { $0.extra[name.canonicalUnicode] = value?.canonicalUnicode }
    }

    /// Creates a profile, bringing every value to canonical form.
    package init(
        key: String,
        accountID: String? = nil,
        allowedAccessControlHierarchyGroupID: String? = nil,
        allowedAccessControlTags: [String] = [],
        arn: String? = nil,
        description: String? = nil,
        hierarchyRestrictedResources: [String] = [],
        id: String? = nil,
        lastModifiedRegion: String? = nil,
        lastModifiedTime: Instant? = nil,
        organizationResourceID: String? = nil,
        securityProfileName: String? = nil,
        tagRestrictedResources: [String] = [],
        tags: [String] = [],
        permissions: [String] = [],
        applications: [String] = [],
        granularAccessControl: String? = nil,
        extra: [String: String] = [:]
    ) {
        let key = key.canonicalUnicode
        box = Box(Fields(
            key: key,
            accountID: accountID.canonicalText,
            allowedAccessControlHierarchyGroupID: allowedAccessControlHierarchyGroupID.canonicalText,
            allowedAccessControlTags: allowedAccessControlTags.canonicalSet,
            arn: arn.canonicalText.map { Self.sharing($0, with: key) },
            description: description.canonicalText,
            hierarchyRestrictedResources: hierarchyRestrictedResources.canonicalSet,
            id: id.canonicalText,
            lastModifiedRegion: lastModifiedRegion.canonicalText,
            lastModifiedTime: lastModifiedTime,
            organizationResourceID: organizationResourceID.canonicalText,
            securityProfileName: securityProfileName.canonicalText,
            tagRestrictedResources: tagRestrictedResources.canonicalSet,
            tags: tags.canonicalSet,
            permissions: permissions.canonicalSet,
            applications: applications.canonicalSet,
            granularAccessControl: granularAccessControl.canonicalText,
            extra: Self.canonical(extra)))
    }

    /// `extra` with names and values in NFC; no copy when they are already (nearly always).
    private static func canonical(_ extra: [String: String]) -> [String: String] {
        guard !extra.allSatisfy({ $0.key.isKnownNFC && $0.value.isKnownNFC }) else { return extra }
        var out: [String: String] = [:]
        for (name, value) in extra { out[name.canonicalUnicode] = value.canonicalUnicode }
        return out
    }

    package static func == (lhs: SecurityProfile, rhs: SecurityProfile) -> Bool {
        lhs.box === rhs.box || lhs.box.fields == rhs.box.fields
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(box.fields)
    }

    /// The text of a text field (`nil` for set, instant and key fields).
    package func text(_ field: ProfileField) -> String? {
        switch field {
        case .accountID: return accountID
        case .allowedAccessControlHierarchyGroupID: return allowedAccessControlHierarchyGroupID
        case .arn: return arn
        case .description: return description
        case .id: return id
        case .lastModifiedRegion: return lastModifiedRegion
        case .organizationResourceID: return organizationResourceID
        case .securityProfileName: return securityProfileName
        case .granularAccessControl: return granularAccessControl
        case .key: return key
        default: return nil
        }
    }

    /// The elements of a set field (empty for the others).
    package func set(_ field: ProfileField) -> [String] {
        switch field {
        case .allowedAccessControlTags: return allowedAccessControlTags
        case .hierarchyRestrictedResources: return hierarchyRestrictedResources
        case .tagRestrictedResources: return tagRestrictedResources
        case .tags: return tags
        case .permissions: return permissions
        case .applications: return applications
        default: return []
        }
    }

    /// Sets a text field.
    package mutating func setText(_ value: String?, for field: ProfileField) {
        switch field {
        case .accountID: accountID = value
        case .allowedAccessControlHierarchyGroupID: allowedAccessControlHierarchyGroupID = value
        case .arn: arn = value
        case .description: description = value
        case .id: id = value
        case .lastModifiedRegion: lastModifiedRegion = value
        case .organizationResourceID: organizationResourceID = value
        case .securityProfileName: securityProfileName = value
        case .granularAccessControl: granularAccessControl = value
        case .key: key = value ?? ""
        default: preconditionFailure("\(field.rawValue) is not a text field")
        }
    }

    /// Sets a set field.
    package mutating func setSet(_ value: [String], for field: ProfileField) {
        switch field {
        case .allowedAccessControlTags: allowedAccessControlTags = value
        case .hierarchyRestrictedResources: hierarchyRestrictedResources = value
        case .tagRestrictedResources: tagRestrictedResources = value
        case .tags: tags = value
        case .permissions: permissions = value
        case .applications: applications = value
        default: preconditionFailure("\(field.rawValue) is not a set field")
        }
    }

    /// The Amazon Connect instance in the ARN (`.../instance/ID/...`), if any.
    package var instanceFromARN: String? {
        Self.instance(inKey: arn ?? key)
    }

    /// The Amazon Connect instance in an ARN (`arn:...:instance/ID/...`), if it is one: the
    /// text after the first `:instance/` up to the next `/`, found byte by byte, as the SQL
    /// function `connect_audit.instance_in_key` finds it (migration 0016; a test holds the
    /// two to the same answers). A first load asks it of every discovered profile.
    package static func instance(inKey key: String) -> String? {
        var key = key
        return key.withUTF8 { bytes -> String? in
            let prefix: StaticString = "arn:", marker: StaticString = ":instance/"
            func matches(_ text: StaticString, at offset: Int) -> Bool {
                offset + text.utf8CodeUnitCount <= bytes.count
                    && memcmp(bytes.baseAddress! + offset, text.utf8Start, text.utf8CodeUnitCount) == 0
            }
            guard matches(prefix, at: 0), bytes.count >= marker.utf8CodeUnitCount else { return nil }
            guard let at = (0...(bytes.count - marker.utf8CodeUnitCount)).first(where: { matches(marker, at: $0) }) else { return nil }
            let start = at + marker.utf8CodeUnitCount
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
            return end == start ? nil : String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// The account in an ARN (`arn:aws:connect:REGION:ACCOUNT:...`), if any.
    package static func account(fromARN arn: String) -> String? {
        // An ASCII ARN (every real one) by its bytes: splitting by Character cost a tenth of
        // reading `pull aws` lines. Other text by `accountBySplitting`, the plain rule.
        let ascii = arn.utf8.withContiguousStorageIfAvailable { bytes -> String?? in
            var seen: UInt8 = 0
            for byte in bytes { seen |= byte }
            guard seen < 0x80 else { return .none }
            var colons = 0
            var start = 0
            for index in bytes.indices where bytes[index] == UInt8(ascii: ":") {
                colons += 1
                if colons == 4 { start = index + 1 }
                if colons == 5 {
                    guard bytes.starts(with: "arn:".utf8), index > start else { return .some(nil) }
                    return .some(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                }
            }
            // Fewer than five fields, or the account is the last field.
            guard colons == 4, bytes.starts(with: "arn:".utf8), start < bytes.count else { return .some(nil) }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
        }
        if let ascii, let known = ascii { return known }
        return accountBySplitting(arn)
    }

    /// `account(fromARN:)` by splitting on `:` Characters: the plain rule.
    package static func accountBySplitting(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[0] == "arn", !parts[4].isEmpty else { return nil }
        return String(parts[4])
    }
}

extension Optional where Wrapped == String {
    /// Missing, null and the empty string are the same: absent; text is in NFC.
    var canonicalText: String? {
        guard let self, !self.isEmpty else { return nil }
        return self.canonicalUnicode
    }
}

extension String {
    /// The text in Unicode Normalization Form C, the one form canonical text is kept,
    /// hashed and compared in. Swift compares strings by canonical equivalence while the
    /// content hash covers bytes, so a name re-encoded from NFC to NFD used to make an event
    /// with no changed field; now the two are the same name, and no event. ASCII (nearly
    /// every value) is returned as it is, without a copy.
    var canonicalUnicode: String {
        if isKnownNFC { return self }
        return precomposedStringWithCanonicalMapping
    }

    /// Whether the text is in NFC without asking Foundation (whose normalization bridged to
    /// `CFStringNormalize` cost a third of CSV reading): ASCII, or only scalars that are
    /// starters no normalization changes or composes with what precedes them (below U+0300,
    /// and blocks common in names and descriptions). Anything else (combining marks, jamo,
    /// compatibility ideographs, singletons such as U+212B) answers `false` and is normalized.
    var isKnownNFC: Bool {
        // ASCII (nearly every value) by one vectorised pass over the bytes; other text by
        // decoding its scalars from the bytes in place (it is valid UTF-8), each checked
        // against `isKnownNFCStarter`.
        let known = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var seen: UInt8 = 0
            for byte in bytes { seen |= byte }
            if seen < 0x80 { return true }
            var index = 0
            while index < bytes.count {
                let lead = bytes[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                var scalar: UInt32
                let length: Int
                if lead < 0xE0 {
                    scalar = UInt32(lead & 0x1F)
                    length = 2
                } else if lead < 0xF0 {
                    scalar = UInt32(lead & 0x0F)
                    length = 3
                } else {
                    scalar = UInt32(lead & 0x07)
                    length = 4
                }
                guard index + length <= bytes.count else { return false }
                for offset in 1..<length { scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F) }
                guard Self.isKnownNFCStarter(scalar) else { return false }
                index += length
            }
            return true
        }
        return known ?? isKnownNFCByScalars
    }

    /// `isKnownNFC` scalar by scalar: the plain rule the byte scan is tested against.
    var isKnownNFCByScalars: Bool {
        unicodeScalars.allSatisfy { Self.isKnownNFCStarter($0.value) }
    }

    /// Whether a scalar is a starter that no normalization changes or composes with what
    /// precedes it (the blocks named below).
    static func isKnownNFCStarter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0..<0x300,  // ASCII, Latin-1, Extended-A and -B, IPA: precomposed letters are NFC
             0x2010...0x2027, 0x2030...0x205E,  // dashes, quotes, bullets, ellipsis, primes
             0x20A0...0x20C0,  // currency signs
             0x2190...0x2199, 0x219C...0x21AD, 0x21AF...0x21CC, 0x21D0...0x21FF,  // arrows without a decomposition
             0x2500...0x27BF,  // box drawing, shapes, symbols, dingbats
             0x3000...0x303F, 0x3041...0x3096, 0x30A1...0x30FA,  // CJK punctuation, kana (not the combining marks)
             0x4E00...0x9FFF, 0xAC00...0xD7A3,  // CJK unified ideographs, Hangul syllables
             0x1F300...0x1FAFF:  // emoji
            return true
        default:
            return false
        }
    }
}

extension Array where Element == String {
    /// In NFC, sorted, duplicates removed; an array already so is returned as it is.
    ///
    /// Checked before anything is written: with the writes in the same loop as the checks,
    /// the optimiser made the array unique before the loop, so every set of every record
    /// was copied.
    var canonicalSet: [String] {
        if isCanonicalSet { return self }
        var copy = map(\.canonicalUnicode)
        copy.sort()
        var write = 1
        for read in copy.indices.dropFirst() where copy[read] != copy[write - 1] {
            copy[write] = copy[read]
            write += 1
        }
        copy.removeLast(copy.count - write)
        return copy
    }

    /// Whether every element is in NFC and each is less than the next.
    private var isCanonicalSet: Bool {
        var index = 0
        while index < count {
            guard self[index].isKnownNFC, index == 0 || self[index - 1] < self[index] else { return false }
            index += 1
        }
        return true
    }
}

extension SecurityProfile {
    /// An `extra` value in canonical JSON text, as the readers store it (for values read
    /// back from the database).
    package static func extraValue(_ value: Any) -> String {
        ExtraValue.canonicalJSON(value)
    }
}

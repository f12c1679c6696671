extension SecurityProfile {
    /// SHA-256 (hex) over the canonical encoding of every field except `_key` and
    /// `last_modified_time`: equal for equal content, whatever the input's format or order.
    package var contentHash: String { contentDigest.hex }

    /// `contentHash` as a digest value.
    package var contentDigest: SHA256Digest {
        canonicalContent().withUnsafeBytes { SHA256Digest(of: $0) }
    }

    /// The bytes `contentHash` digests: each field by name, tagged and length-prefixed, so no
    /// two different records share an encoding; `extra` last, by sorted name. `applications`
    /// and `granular_access_control` (added after v1) are encoded only when present, so every
    /// hash stored before them stays valid.
    func canonicalContent() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        out.append(contentsOf: "connect-audit/profile/v1".utf8)
        for field in ProfileField.allCases where field != .key && field != .lastModifiedTime {
            if field == .applications && applications.isEmpty { continue }
            if field == .granularAccessControl && granularAccessControl == nil { continue }
            out.appendChunk(field.rawValue)
            switch field.kind {
            case .text:
                if let value = text(field) {
                    out.append(1)
                    out.appendChunk(value)
                } else {
                    out.append(0)
                }
            case .stringSet, .tagSet:
                let elements = set(field)
                out.append(2)
                out.appendLength(elements.count)
                for element in elements { out.appendChunk(element) }
            case .key, .instant:
                preconditionFailure("excluded above")
            }
        }
        out.appendChunk("extra")
        out.appendLength(extra.count)
        for name in extra.keys.sorted() {
            out.appendChunk(name)
            out.appendChunk(extra[name] ?? "")
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Appends a 32-bit big-endian length.
    package mutating func appendLength(_ length: Int) {
        let value = UInt32(truncatingIfNeeded: length)
        append(UInt8(value >> 24))
        append(UInt8(value >> 16 & 0xff))
        append(UInt8(value >> 8 & 0xff))
        append(UInt8(value & 0xff))
    }

    /// Appends a string's UTF-8 bytes after their length.
    package mutating func appendChunk(_ text: String) {
        appendLength(text.utf8.count)
        append(contentsOf: text.utf8)
    }

    /// Appends an integer's decimal digits after their length: the same bytes as
    /// `appendChunk(String(value))`, without making the string.
    package mutating func appendDecimalChunk(_ value: Int64) {
        withDecimalText(value) { text in
            appendLength(text.count)
            append(contentsOf: text)
        }
    }
}

/// Replacements for some ASCII bytes of UTF-8 text, written in runs: the text between two
/// replaced bytes is copied whole (an ASCII byte starts a scalar, so each run is whole
/// scalars). The one way `CanonicalJSON` and `TextEscaping` escape text: decoding it
/// scalar by scalar was a fifth of rendering a year-long report.
package struct ByteEscapes: Sendable {
    /// The bytes replaced, as two words of bits. Usable from inlinable code: escaping is
    /// called per text from other modules, and its per-byte test must inline there.
    @usableFromInline var low: UInt64 = 0
    @usableFromInline var high: UInt64 = 0
    /// Each ASCII byte's replacement, made once (`""` for those kept), as text and as bytes.
    @usableFromInline let replacements: [String]
    @usableFromInline let replacementBytes: [[UInt8]]
    /// The longest replacement, in bytes: `text` written takes at most this many bytes per
    /// byte (one where no replacement is longer).
    package let longestReplacement: Int

    /// The escapes `replacement` names (`nil`: the byte stays).
    package init(_ replacement: (UInt8) -> String?) {
        let table = (0..<128).map { replacement(UInt8($0)) }
        replacements = table.map { $0 ?? "" }
        replacementBytes = replacements.map { Array($0.utf8) }
        longestReplacement = max(1, replacementBytes.map(\.count).max() ?? 1)
        for (byte, replaced) in table.enumerated() where replaced != nil {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
    }

    /// Whether `byte` is replaced.
    @inlinable
    package func contains(_ byte: UInt8) -> Bool {
        byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte &- 64)) != 0
    }

    /// Whether every byte of `text` is printable ASCII and none is replaced.
    @inlinable
    package func leavesPlainASCII(_ text: String) -> Bool {
        func plain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F && !contains(byte) }
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where !plain(byte) { return false }
            return true
        } ?? text.utf8.allSatisfy(plain)
    }

    /// Appends `text` to `out` with each replaced byte replaced; appended whole when none is.
    @inlinable
    package func write(_ text: String, into out: inout String) {
        let utf8 = text.utf8
        // The first replaced byte, searched in the contiguous bytes a native string has, not
        // through the view's indices, which cost a call per byte.
        let offset = utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            for index in bytes.indices where contains(bytes[index]) { return index }
            return nil
        } ?? utf8.firstIndex(where: contains).map { utf8.distance(from: utf8.startIndex, to: $0) }
        guard let offset else { return out += text }
        var run = utf8.startIndex
        var index = utf8.index(utf8.startIndex, offsetBy: offset)
        while index != utf8.endIndex {
            let byte = utf8[index]
            guard contains(byte) else {
                index = utf8.index(after: index)
                continue
            }
            out.append(contentsOf: Substring(utf8[run..<index]))
            out += replacements[Int(byte)]
            index = utf8.index(after: index)
            run = index
        }
        out.append(contentsOf: Substring(utf8[run..<utf8.endIndex]))
    }

    /// `write(_:into:)` of UTF-8 bytes to `out`, which has room for `longestReplacement`
    /// bytes per byte of `text`; the count written.
    @inlinable
    package func write(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var (run, written) = (0, 0)
        func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress else { return }
            (out + written).update(from: base, count: bytes.count)
            written += bytes.count
        }
        for index in text.indices where contains(text[index]) {
            copy(UnsafeBufferPointer(rebasing: text[run..<index]))
            replacementBytes[Int(text[index])].withUnsafeBufferPointer(copy)
            run = index + 1
        }
        copy(UnsafeBufferPointer(rebasing: text[run...]))
        return written
    }
}

/// One escaping function per output, for text that came from outside (profile names,
/// descriptions, keys, tag values, remote error bodies): what each output would otherwise
/// interpret is made inert there, and nothing else changes.
///
/// - terminal: control characters (C0, DEL, C1) and the bidirectional overrides that can
///   reorder what a terminal shows become visible `\u{…}` escapes, so an ESC sequence
///   cannot recolour or clear the screen and a newline cannot forge a report row;
/// - markdown: control characters as on a terminal, HTML escaped (renderers pass
///   `<script>` through), and the characters that start Markdown syntax backslash-escaped;
/// - Slack: `&`, `<` and `>` as Slack's message formatting documents, so `<!channel>` or a
///   disguised `<https://…|link>` is shown, not acted on;
/// - HTML: control characters as on a terminal, and the five characters that matter in
///   text and attribute values.
package enum TextEscaping {
    /// Whether a scalar is shown escaped on a terminal.
    static func isUnsafeOnTerminal(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // direction marks and overrides
        default: return false
        }
    }

    /// Whether every byte of `text` is printable ASCII and none is one of `special`: then
    /// no escaping here changes it. Checked on the UTF-8 bytes first, because decoding the
    /// scalars twice (for controls, then for entities) was an eighth of a year-long HTML
    /// report, and nearly all text is such (issue 18).
    private static func isPlainASCII(_ text: String, except special: ByteSet = ByteSet()) -> Bool {
        func plain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F && !special.contains(byte) }
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where !plain(byte) { return false }
            return true
        } ?? text.utf8.allSatisfy(plain)
    }

    /// Whether `text` holds a scalar `terminal` escapes, found on its UTF-8 bytes: C0 and
    /// DEL, C1 (`C2 80`-`C2 9F`), U+200E/F (`E2 80 8E`/`8F`), U+202A-202E (`E2 80 AA`-`AE`),
    /// U+2066-2069 (`E2 81 A6`-`A9`). Exactly `isUnsafeOnTerminal` over the scalars
    /// (`TextEscapingTests` compares them), without decoding any.
    static func needsTerminalEscape(_ text: String) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable({ needsTerminalEscape(bytes: $0) }) { return found }
        return Array(text.utf8).withUnsafeBufferPointer { needsTerminalEscape(bytes: $0) }
    }

    private static func needsTerminalEscape(bytes utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == 0x7F { return true }
            if byte == 0xC2, index + 1 < utf8.count, (0x80...0x9F).contains(utf8[index + 1]) { return true }
            if byte == 0xE2, index + 2 < utf8.count {
                let (second, third) = (utf8[index + 1], utf8[index + 2])
                if second == 0x80, third == 0x8E || third == 0x8F || (0xAA...0xAE).contains(third) { return true }
                if second == 0x81, (0xA6...0xA9).contains(third) { return true }
            }
            index += 1
        }
        return false
    }

    /// A set of ASCII bytes, as two words of bits.
    private struct ByteSet {
        private var low: UInt64 = 0
        private var high: UInt64 = 0

        init(_ bytes: StaticString = "") {
            bytes.withUTF8Buffer { buffer in
                for byte in buffer where byte < 0x80 {
                    if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
                }
            }
        }

        func contains(_ byte: UInt8) -> Bool {
            byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte &- 64)) != 0
        }
    }

    /// The characters HTML escapes.
    private static let htmlSpecial = ByteSet("&<>\"'")

    /// `text` for a terminal or a plain-text file: control characters escaped.
    package static func terminal(_ text: String) -> String {
        if isPlainASCII(text) { return text }
        guard text.unicodeScalars.contains(where: isUnsafeOnTerminal) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isUnsafeOnTerminal(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` inside a Markdown table cell or list item.
    package static func markdown(_ text: String) -> String {
        if isPlainASCII(text, except: markdownSpecial) { return text }
        if !needsTerminalEscape(text) {
            var out = ""
            replacingBytes(text, markdownSpecial, into: &out, markdownReplacements)
            return out
        }
        return replacing(terminal(text)) { $0.isASCII && markdownSpecial.contains(UInt8($0.value)) ? markdownReplacement(UInt8($0.value)) : nil }
    }

    /// The characters Markdown escapes (HTML's three, then those that start its syntax).
    private static let markdownSpecial = ByteSet("&<>\\`*_[]()#|!~")

    private static func markdownReplacement(_ byte: UInt8) -> String {
        htmlEntity(Unicode.Scalar(byte)).flatMap { byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") ? nil : $0 }
            ?? "\\" + String(Unicode.Scalar(byte))
    }

    /// Each ASCII byte's replacement, made once (a `String` made per replacement was most
    /// of escaping a year-long Markdown report); only the bytes of the set are read.
    private static let markdownReplacements = (0..<128).map { markdownReplacement(UInt8($0)) }
    private static let htmlReplacements = (0..<128).map { htmlEntity(Unicode.Scalar(UInt8($0))) ?? "" }

    /// `text` inside a Slack message's text (mrkdwn or plain).
    package static func slack(_ text: String) -> String {
        replacing(text) { $0 == "&" || $0 == "<" || $0 == ">" ? htmlEntity($0) : nil }
    }

    /// `text` in HTML text or a quoted attribute value; control characters shown as in
    /// `terminal` (HTML forbids most of them, and a report is also read with `cat`).
    package static func html(_ text: String) -> String {
        if isPlainASCII(text, except: htmlSpecial) { return text }
        return replacing(terminal(text), htmlEntity)
    }

    /// Appends `html(text)` to `out`. Without anything for `terminal` to escape, the five
    /// characters are replaced on the bytes (decoding scalars twice here was a tenth of a
    /// year-long HTML report).
    package static func writeHTML(_ text: String, into out: inout String) {
        if isPlainASCII(text, except: htmlSpecial) { return out += text }
        if needsTerminalEscape(text) { return out += replacing(terminal(text), htmlEntity) }
        replacingBytes(text, htmlSpecial, into: &out, htmlReplacements)
    }

    /// Appends `text` to `out` with each byte of `special` (ASCII) replaced, the text
    /// between copied in runs: an ASCII byte starts a scalar, so each run is whole scalars.
    private static func replacingBytes(_ text: String, _ special: ByteSet, into out: inout String, _ replacements: [String]) {
        let utf8 = text.utf8
        var run = utf8.startIndex
        var index = run
        while index != utf8.endIndex {
            let byte = utf8[index]
            guard special.contains(byte) else {
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

    /// The entity of one of `& < > " '`, or `nil` for any other scalar.
    private static func htmlEntity(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "&": return "&amp;"
        case "<": return "&lt;"
        case ">": return "&gt;"
        case "\"": return "&quot;"
        case "'": return "&#39;"
        default: return nil
        }
    }

    /// `text` with each scalar that `replacement` maps replaced; no copy when none is.
    /// The text between replacements is copied in runs of scalars (appending scalar by
    /// scalar was a sixth of rendering a year-long HTML report).
    private static func replacing(_ text: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        let scalars = text.unicodeScalars
        guard scalars.contains(where: { replacement($0) != nil }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        var run = scalars.startIndex
        var index = run
        while index != scalars.endIndex {
            guard let replaced = replacement(scalars[index]) else {
                index = scalars.index(after: index)
                continue
            }
            out.append(contentsOf: Substring(scalars[run..<index]))
            out += replaced
            index = scalars.index(after: index)
            run = index
        }
        out.append(contentsOf: Substring(scalars[run..<scalars.endIndex]))
        return out
    }
}

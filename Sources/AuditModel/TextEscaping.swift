import ByteKernels
/// One escaping function per output, for text that came from outside (profile names,
/// descriptions, keys, tag values, remote error bodies): what each output would otherwise
/// interpret is made inert there, and nothing else changes.
///
/// - terminal: control characters (C0, DEL, C1) and the bidirectional overrides that can
///   reorder what a terminal shows become visible `\u{…}` escapes, so an ESC sequence
///   cannot recolour or clear the screen and a newline cannot forge a report row;
/// - markdown: control characters as on a terminal, HTML escaped (renderers pass
///   `<script>` through), and the characters that start Markdown syntax backslash-escaped;
/// - Slack (mrkdwn) and Teams (Adaptive Cards' Markdown): control characters as on a
///   terminal; the characters that start formatting (`* _ ~` and the backtick; for Teams
///   also `[ ]` of a link) and the `:` of a `scheme://` shown as look-alikes (neither
///   format has an escape that every client honours), so a name cannot bold, strike, quote
///   code or become a link; for Slack also `&`, `<` and `>` as its message formatting
///   documents, so `<!channel>` or a disguised `<https://…|link>` is shown, not acted on;
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

    /// `text` for a terminal or a plain-text file: control characters escaped. Checked on
    /// the bytes first: nearly all text has nothing to escape.
    package static func terminal(_ text: String) -> String {
        guard needsTerminalEscape(text) else { return text }
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
        escaped(text, markdownEscapes)
    }

    /// `text` inside a Slack message's text (mrkdwn or plain).
    package static func slack(_ text: String) -> String {
        var out = ""
        slackEscapes.write(chatInert(text, brackets: false), into: &out)
        return out
    }

    /// `text` inside a Teams Adaptive Card's `TextBlock` or `FactSet` (a Markdown subset).
    package static func teams(_ text: String) -> String {
        chatInert(text, brackets: true)
    }

    /// The look-alike shown for a character that would start chat formatting.
    private static func chatLookAlike(_ scalar: Unicode.Scalar, brackets: Bool) -> Unicode.Scalar? {
        switch scalar {
        case "*": "\u{2217}"  // ASTERISK OPERATOR
        case "_": "\u{FF3F}"  // FULLWIDTH LOW LINE
        case "~": "\u{223C}"  // TILDE OPERATOR
        case "`": "\u{02CB}"  // MODIFIER LETTER GRAVE ACCENT
        case "[" where brackets: "\u{FF3B}"  // FULLWIDTH LEFT SQUARE BRACKET
        case "]" where brackets: "\u{FF3D}"  // FULLWIDTH RIGHT SQUARE BRACKET
        default: nil
        }
    }

    /// `text` with control characters escaped as on a terminal, formatting characters as
    /// look-alikes, and the colon of each `://` as U+A789 (a bare URL is not linked).
    private static func chatInert(_ text: String, brackets: Bool) -> String {
        let plain = terminal(text)
        var out = String.UnicodeScalarView()
        let scalars = Array(plain.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if let lookAlike = chatLookAlike(scalar, brackets: brackets) {
                out.append(lookAlike)
            } else if scalar == ":", index + 2 < scalars.count, scalars[index + 1] == "/", scalars[index + 2] == "/" {
                out.append("\u{A789}")  // MODIFIER LETTER COLON
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `text` in HTML text or a quoted attribute value; control characters shown as in
    /// `terminal` (HTML forbids most of them, and a report is also read with `cat`).
    package static func html(_ text: String) -> String {
        escaped(text, htmlEscapes)
    }

    /// Appends `html(text)` to `out`.
    package static func writeHTML(_ text: String, into out: inout String) {
        if htmlEscapes.leavesPlainASCII(text) { return out += text }
        htmlEscapes.write(terminal(text), into: &out)
    }

    /// `text` shown on a terminal, then with `escapes`' characters replaced (each one ASCII,
    /// so on the bytes); no copy when plain ASCII has nothing to replace.
    private static func escaped(_ text: String, _ escapes: ByteEscapes) -> String {
        if escapes.leavesPlainASCII(text) { return text }
        var out = ""
        escapes.write(terminal(text), into: &out)
        return out
    }

    /// The entity of one of `& < > " '`.
    private static func htmlEntity(_ byte: UInt8) -> String? {
        switch byte {
        case UInt8(ascii: "&"): return "&amp;"
        case UInt8(ascii: "<"): return "&lt;"
        case UInt8(ascii: ">"): return "&gt;"
        case UInt8(ascii: "\""): return "&quot;"
        case UInt8(ascii: "'"): return "&#39;"
        default: return nil
        }
    }

    private static let htmlEscapes = ByteEscapes(htmlEntity)

    /// HTML's `& < >`, then a backslash before each character that starts Markdown syntax.
    private static let markdownEscapes = ByteEscapes { byte in
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { return nil }
        if let entity = htmlEntity(byte) { return entity }
        return "\\`*_[]()#|!~".utf8.contains(byte) ? "\\" + String(Unicode.Scalar(byte)) : nil
    }

    /// Slack's own three: `& < >` (its message formatting documentation).
    private static let slackEscapes = ByteEscapes { byte in
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") ? nil : htmlEntity(byte)
    }
}

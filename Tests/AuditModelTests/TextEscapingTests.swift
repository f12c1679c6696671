@testable import AuditModel
import Testing

@Suite("one escaping function per output")
struct TextEscapingTests {
    static let hostile = "Evil\u{1B}[2J\r\nrow | <script>alert(1)</script> *bold* [x](http://e) <!channel> & \u{202E}txt \u{7F}\u{85}"

    @Test("terminal: every control character and direction override is shown, nothing else changes")
    func terminal() {
        let out = TextEscaping.terminal(Self.hostile)
        #expect(!out.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" })
        #expect(out.contains("Evil\\u{1B}[2J\\u{D}\\u{A}row"))
        #expect(out.contains("\\u{202E}txt \\u{7F}\\u{85}"))
        #expect(TextEscaping.terminal("Tier2 Agent – EMEA, café 名") == "Tier2 Agent – EMEA, café 名")
    }

    @Test("markdown: no markup survives, no line break, no table cell break")
    func markdown() {
        let out = TextEscaping.markdown(Self.hostile)
        #expect(!out.contains("<"))
        #expect(!out.contains("\n"))
        #expect(out.contains("&lt;script&gt;"))
        #expect(out.contains("row \\| "))
        #expect(out.contains("\\*bold\\*"))
        #expect(out.contains("\\[x\\]\\(http://e\\)"))
    }

    @Test("slack: &, < and > as Slack documents, so <!channel> and disguised links are shown, not acted on")
    func slack() {
        let out = TextEscaping.slack("<!channel> <https://evil.example|docs> & more")
        #expect(out == "&lt;!channel&gt; &lt;https\u{A789}//evil.example|docs&gt; &amp; more")
    }

    @Test("slack and teams: no formatting, link or control character survives; other text is as it was", arguments: ["slack", "teams"])
    func chatFormatting(format: String) {
        let escape = format == "slack" ? TextEscaping.slack : TextEscaping.teams
        let hostile = "*bold* _it_ ~strike~ `code` [Re-login here](https://evil.example/login) http://bare.example \u{1B}[31mred"
        let out = escape(hostile)
        for character in ["*", "_", "~", "`", "://", "\u{1B}"] { #expect(!out.contains(character), "\(character) in \(out)") }
        if format == "teams" { #expect(!out.contains("[") && !out.contains("](")) }
        #expect(out.contains("\\u{1B}"), "control characters are shown")
        #expect(escape("Tier2 Agent – EMEA (café 名), 50% of #2") == "Tier2 Agent – EMEA (café 名), 50% of #2")
    }

    @Test("html: text and attribute values")
    func html() {
        let out = TextEscaping.html("<img src=x onerror=\"a('b')\"> & \u{1B}")
        #expect(out == "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp; \\u{1B}")
    }

    @Test("plain text passes every escaping unchanged; each character that matters is still escaped")
    func plainText() {
        let plain = "Tier2 Agent - SALES 42 (prod) {x}: a/b=c"
        #expect(TextEscaping.html(plain) == plain)
        #expect(TextEscaping.terminal(plain) == plain)
        for (special, entity) in [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;"), ("'", "&#39;"), ("\t", "\\u{9}")] {
            #expect(TextEscaping.html(plain + special) == plain + entity)
        }
        #expect(TextEscaping.terminal(plain + "\u{7F}") == plain + "\\u{7F}")
    }

    @Test("lowercasing by runs gives what lowercased() gives")
    func lowercasedByRuns() {
        let fragments = ["A", "z", " ", "–", "É", "e\u{301}", "Σ", "ΣΑΣ", "İ", "ẞ", "ǅ", "名", "Ａ", "\u{7F}", "\u{85}"]
        for first in fragments {
            for second in fragments {
                for third in ["", "X", "Ω", "ﬀ"] {
                    let text = first + second + third
                    #expect(Array(text.lowercasedByRuns.utf8) == Array(text.lowercased().utf8), "\(text)")
                }
            }
        }
    }

    @Test("the byte check for terminal escapes agrees with the scalar check, and writeHTML with html")
    func byteChecks() {
        let fragments = [
            "a", " ", "–", "é", "名", "🙂", "<", "&", "\"", "'", "\u{1B}", "\n", "\u{7F}", "\u{80}", "\u{85}", "\u{9F}", "\u{A0}",
            "\u{200D}", "\u{200E}", "\u{200F}", "\u{2010}", "\u{2029}", "\u{202A}", "\u{202E}", "\u{202F}", "\u{2065}", "\u{2066}",
            "\u{2069}", "\u{206A}", "\u{2060}", "\\", "`", "*", "_", "[", "]", "(", ")", "#", "|", "!", "~", "-", "->",
        ]
        for first in fragments {
            for second in fragments {
                let text = "x" + first + second
                #expect(
                    TextEscaping.needsTerminalEscape(text) == text.unicodeScalars.contains(where: TextEscaping.isUnsafeOnTerminal),
                    "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
                var written = "<p>"
                TextEscaping.writeHTML(text, into: &written)
                #expect(written == "<p>" + TextEscaping.html(text))
                #expect(TextEscaping.markdown(text) == Self.markdownByScalars(text))
            }
        }
    }

    /// Markdown escaping as specified, scalar by scalar: the reference for the byte path.
    static func markdownByScalars(_ text: String) -> String {
        var out = ""
        for scalar in TextEscaping.terminal(text).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "(", ")", "#", "|", "!", "~": out += "\\" + String(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    @Test("the NFC check's byte scan agrees with the scalar-by-scalar rule, on every kind of text and on random scalars")
    func nfcScanAgreesWithScalars() {
        let samples = [
            "", "plain ASCII", "Admins – EMEA", "Café", "Cafe\u{301}", "Å", "\u{212B}", "日本語のプロフィール", "한국어", "\u{1100}\u{1161}",
            "emoji 🎧📞", "\u{1D400}", "tab\tand\u{7F}", "\u{2028}", "€ £ ¥", "→ ⇒ \u{219A}", Self.hostile,
        ]
        for text in samples { #expect(text.isKnownNFC == text.isKnownNFCByScalars, "\(text.unicodeScalars.map { String($0.value, radix: 16) })") }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let scalars = (0..<Int.random(in: 0...12, using: &generator)).compactMap { _ -> Unicode.Scalar? in
                let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x80...0x3FF, 0x2000...0x2FFF, 0x3000...0xD7FF, 0xE000...0xFFFF, 0x10000...0x1FFFF]
                return Unicode.Scalar(UInt32.random(in: ranges.randomElement(using: &generator)!, using: &generator))
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            #expect(text.isKnownNFC == text.isKnownNFCByScalars)
        }
    }

    @Test("an ARN's account by its bytes agrees with splitting on ':' Characters, on real and broken ARNs")
    func arnAccountAgreesWithSplitting() {
        let samples = [
            "arn:aws:connect:eu-west-2:111122223333:instance/abc/security-profile/def", "arn:aws:connect:eu-west-2:111122223333",
            "arn:aws:connect:eu-west-2::instance/x", "arn:aws:connect:eu-west-2", "xarn:aws:connect:r:1:y", "arn::::", "arn:::::", "",
            "arn:aws-cn:connect:cn-north-1:123456789012:instance/名前", "arn:aws:connect:r:\u{301}12:x", "arn:aws:connect:r:12\u{301}:x",
        ]
        for arn in samples { #expect(SecurityProfile.account(fromARN: arn) == SecurityProfile.accountBySplitting(arn), "\(arn)") }
        let pieces = ["arn", ":", "aws", "connect", "eu-west-1", "1234", "", "/", "\u{301}", "é", "x"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let arn = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(SecurityProfile.account(fromARN: arn) == SecurityProfile.accountBySplitting(arn), "\(arn)")
        }
    }
}

/// The pieces of JSON text the fast paths read byte by byte, each giving up (`nil` or
/// `false`) on anything it does not read exactly as Foundation would, so that its caller
/// can leave the whole text to Foundation (`FlatJSONRow` for snapshot rows, `ProfileDiff`
/// for stored diffs).
package struct JSONScanner {
    package let bytes: UnsafeBufferPointer<UInt8>
    package var index = 0
    /// Escaped text is unescaped here before it becomes a `String`.
    private var scratch: [UInt8] = []

    package init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// `body` given a scanner over the bytes of `text`, valid only while it runs.
    package static func scanning<Result>(_ text: String, _ body: (inout JSONScanner) -> Result) -> Result {
        var text = text
        return text.withUTF8 { bytes in
            var scanner = JSONScanner(bytes: bytes)
            return body(&scanner)
        }
    }

    /// `body` given a scanner over `bytes`, valid only while it runs.
    package static func scanning<Result>(_ bytes: [UInt8], _ body: (inout JSONScanner) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes: bytes)
            return body(&scanner)
        }
    }

    /// The text of `range` of the bytes, which the scanner has found to be UTF-8.
    package func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Whether every byte has been read.
    package var isAtEnd: Bool { index == bytes.count }

    /// The next byte, if any, not taken.
    package var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Takes `byte` if it is next.
    package mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Takes `null` if it is next.
    package mutating func takeNull() -> Bool {
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    /// Takes the `:` after a member's key, and the space around it.
    package mutating func member() -> Bool {
        skipSpace()
        guard take(UInt8(ascii: ":")) else { return false }
        skipSpace()
        return true
    }

    /// After a member's value: `true` when a `,` follows (taken, with the space after it),
    /// `false` when the object's `}` does (taken), `nil` otherwise.
    package mutating func nextMember() -> Bool? {
        skipSpace()
        if take(UInt8(ascii: ",")) {
            skipSpace()
            return true
        }
        return take(UInt8(ascii: "}")) ? false : nil
    }

    /// Skips JSON whitespace.
    package mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// A key of printable ASCII without escapes, as the range of its bytes; the opening
    /// quote is taken. Any other key is left to Foundation, which compares keys as Swift
    /// strings do (canonical equivalence), not byte for byte as here.
    package mutating func rawKey() -> Range<Int>? {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
            index += 1
        }
        return nil
    }

    /// Whether the bytes of `range` are `text` (ASCII).
    package func bytes(_ range: Range<Int>, are text: StaticString) -> Bool {
        range.count == text.utf8CodeUnitCount
            && text.withUTF8Buffer { UnsafeBufferPointer(rebasing: bytes[range]).elementsEqual($0) }
    }

    /// The text of a string whose opening quote is taken: the escapes `\" \\ \/ \b \f
    /// \n \r \t` unescaped; `nil` for `\u`, a control character or invalid UTF-8. ASCII
    /// text without escapes comes from `recurring`, when given.
    package mutating func string(_ recurring: RecurringTexts? = nil) -> String? {
        guard let text = skipString() else { return nil }
        return self.text(of: text, recurring)
    }

    /// A string `skipString` took: where its text lies, whether it holds escapes, whether
    /// it is ASCII.
    package typealias TakenString = (range: Range<Int>, escaped: Bool, ascii: Bool)

    /// The text of a string `skipString` took, as `string` makes it.
    package mutating func text(of taken: TakenString, _ recurring: RecurringTexts? = nil) -> String? {
        if taken.escaped { return unescaped(taken.range) }
        let raw = UnsafeBufferPointer(rebasing: bytes[taken.range])
        if taken.ascii { return recurring?.text(raw) ?? String(decoding: raw, as: UTF8.self) }
        return String(validating: raw, as: UTF8.self)
    }

    /// The texts of `first`, `separator` and `second` (nothing when `nil`) as one text: made
    /// from the bytes at once (from `recurring`, when given) when neither holds an escape
    /// and both are ASCII, else joined after each is read as `string` reads it.
    package mutating func joined(_ first: TakenString, _ separator: UInt8, _ second: TakenString?, _ recurring: RecurringTexts? = nil) -> String? {
        if !first.escaped, first.ascii, second.map({ !$0.escaped && $0.ascii }) ?? true {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[first.range]))
            scratch.append(separator)
            if let second { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[second.range])) }
            return scratch.withUnsafeBufferPointer { recurring?.text($0) ?? String(decoding: $0, as: UTF8.self) }
        }
        guard let head = text(of: first) else { return nil }
        var tail = ""
        if let second {
            guard let text = text(of: second) else { return nil }
            tail = text
        }
        return head + String(UnicodeScalar(separator)) + tail
    }

    /// Whether the texts of two strings `skipString` took, neither escaped, are the same bytes.
    package func sameBytes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        a.count == b.count && UnsafeBufferPointer(rebasing: bytes[a]).elementsEqual(UnsafeBufferPointer(rebasing: bytes[b]))
    }

    /// Takes a string whose opening quote is taken, and its closing quote: the range of its
    /// text, whether it holds escapes and whether it is ASCII; `nil` for a control
    /// character or no closing quote.
    package mutating func skipString() -> (range: Range<Int>, escaped: Bool, ascii: Bool)? {
        let start = index
        var escaped = false
        // Every byte OR-ed: below 0x80, the text is ASCII and needs no UTF-8 validation
        // (`String(validating:)` is not specialised, and cost a tenth of reading).
        var bits: UInt8 = 0
        var words: UInt64 = 0
        while index < bytes.count {
            // Eight bytes at a time while none of them ends the text or needs a look.
            while bytes.count - index >= 8 {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if JSONString.holdsQuoteBackslashOrControl(word) { break }
                words |= word
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<(index - 1), escaped, bits < 0x80 && words & Self.highBits == 0)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            if byte < 0x20 { return nil }
            bits |= byte
            index += 1
        }
        return nil
    }

    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// An array of strings whose opening bracket is taken; its ASCII elements from
    /// `recurring`, when given.
    package mutating func strings(_ recurring: RecurringTexts? = nil) -> [String]? {
        skipSpace()
        if take(UInt8(ascii: "]")) { return [] }
        // Gathered in `recurring`'s array, which keeps its capacity, then copied once at
        // their number, instead of growing each array by doubling.
        var elements = recurring?.takeElements() ?? []
        defer { recurring?.returnElements(&elements) }
        while true {
            guard take(UInt8(ascii: "\"")), let text = string(recurring) else { return nil }
            elements.append(text)
            skipSpace()
            if take(UInt8(ascii: ",")) {
                skipSpace()
                continue
            }
            guard take(UInt8(ascii: "]")) else { return nil }
            // A new array of exactly their number (`Array(elements)` would share the buffer).
            return recurring == nil ? elements : elements.withUnsafeBufferPointer { Array($0) }
        }
    }

    /// Takes a number as JSON's grammar writes it (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`):
    /// the range of its text, and whether it is a whole number (no fraction, no exponent);
    /// `nil`, having taken nothing, for anything else.
    package mutating func number() -> (range: Range<Int>, whole: Bool)? {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            return index - first
        }
        _ = take(UInt8(ascii: "-"))
        if take(UInt8(ascii: "0")) {
            if index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index = start; return nil }
        } else if digits() == 0 {
            index = start
            return nil
        }
        var whole = true
        if take(UInt8(ascii: ".")) {
            whole = false
            guard digits() > 0 else { index = start; return nil }
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            whole = false
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard digits() > 0 else { index = start; return nil }
        }
        return (start..<index, whole)
    }

    private mutating func unescaped(_ range: Range<Int>) -> String? {
        scratch.removeAll(keepingCapacity: true)
        var run = range.lowerBound
        var position = range.lowerBound
        while position < range.upperBound {
            guard bytes[position] == UInt8(ascii: "\\") else {
                position += 1
                continue
            }
            // The text since the last escape in one copy, then the escape.
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<position]))
            guard position + 1 < range.upperBound else { return nil }
            let escape = bytes[position + 1]
            position += 2
            run = position
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            default: return nil
            }
        }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<range.upperBound]))
        return scratch.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
    }
}

/// Profile name patterns as `fnmatch(3)` reads them (`*`, `?`, `[...]`, `\` escapes),
/// checked before use: glibc's `fnmatch` takes an unclosed `[` literally, which would make
/// a typo match nothing without a word.
package enum NamePattern {
    /// What is wrong with `pattern`, or `nil` when it is a valid pattern.
    package static func problem(in pattern: String) -> String? {
        guard !pattern.isEmpty else { return "empty" }
        var characters = Array(pattern)[...]
        while let character = characters.popFirst() {
            switch character {
            case "\\":
                guard characters.popFirst() != nil else { return "ends with a lone \\" }
            case "[":
                if characters.first == "!" || characters.first == "^" { characters.removeFirst() }
                if characters.first == "]" { characters.removeFirst() }  // a leading ] is literal
                guard let close = characters.firstIndex(of: "]") else { return "[ without a closing ]" }
                characters = characters[(close + 1)...]
            default:
                continue
            }
        }
        return nil
    }
}


/// Finds the elements of a JSON document's main array without decoding them, so each can
/// be decoded on its own (in parallel, with its own line number for errors).
///
/// This is a structural scan (strings, escapes, nesting), not a JSON parser: every
/// element is still decoded by Foundation, which reports what is wrong inside it.
package struct JSONStructure {
    /// One element of the main array: its bytes and the line it starts on.
    package struct Element {
        package var range: Range<Int>
        package var line: Int

        package init(range: Range<Int>, line: Int) {
            self.range = range
            self.line = line
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 1

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The elements of the top-level array, or of the array under one of `keys` in a
    /// top-level object; `nil` when the document has neither shape (or is malformed).
    package static func mainArrayElements(of bytes: UnsafeBufferPointer<UInt8>, keys: Set<String>) -> [Element]? {
        var scanner = JSONStructure(bytes)
        scanner.skipSpace()
        guard scanner.index < bytes.count else { return nil }
        if bytes[scanner.index] == UInt8(ascii: "[") { return scanner.arrayElements() }
        guard bytes[scanner.index] == UInt8(ascii: "{") else { return nil }
        scanner.index += 1
        while true {
            scanner.skipSpace()
            guard scanner.index < bytes.count else { return nil }
            if bytes[scanner.index] == UInt8(ascii: "}") { return nil }
            guard let key = scanner.string() else { return nil }
            scanner.skipSpace()
            guard scanner.index < bytes.count, bytes[scanner.index] == UInt8(ascii: ":") else { return nil }
            scanner.index += 1
            scanner.skipSpace()
            guard scanner.index < bytes.count else { return nil }
            if keys.contains(key), bytes[scanner.index] == UInt8(ascii: "[") { return scanner.arrayElements() }
            guard scanner.skipValue() else { return nil }
            scanner.skipSpace()
            guard scanner.index < bytes.count, bytes[scanner.index] == UInt8(ascii: ",") else { return nil }
            scanner.index += 1
        }
    }

    /// What format detection needs from the start of a document (which may be cut off):
    /// the keys of a top-level object, and of the first object of the main array (the
    /// top-level array, or the array under a top-level key).
    package struct LeadingKeys {
        package var topLevel: Set<String> = []
        package var firstElement: Set<String> = []
        /// Whether the top-level `data` member is an object (DDSQL's response), not an array.
        package var dataIsObject = false
        /// Whether a top-level object closes on its first line (NDJSON's first record).
        package var firstObjectEndsLine = false
    }

    /// The leading keys of `bytes` (see `LeadingKeys`); whatever the cut-off prefix holds.
    package static func leadingKeys(of bytes: UnsafeBufferPointer<UInt8>) -> LeadingKeys {
        var scanner = JSONStructure(bytes)
        var shape = LeadingKeys()
        scanner.skipSpace()
        guard scanner.index < bytes.count else { return shape }
        if bytes[scanner.index] == UInt8(ascii: "[") {
            scanner.index += 1
            scanner.skipSpace()
            shape.firstElement = scanner.objectKeys(firstArray: nil)
            return shape
        }
        var firstArray: Set<String> = []
        shape.topLevel = scanner.objectKeys(firstArray: &firstArray, dataIsObject: &shape.dataIsObject)
        shape.firstElement = firstArray
        shape.firstObjectEndsLine = scanner.line == 1 && scanner.index <= bytes.count && scanner.closedObject
        return shape
    }

    /// Set by `objectKeys` when the object it read was closed.
    private var closedObject = false

    /// The keys of the object at `index` (nothing if it is not an object), stopping where the
    /// bytes end. With `firstArray`, the keys of the first object in the first array member
    /// are gathered there too.
    private mutating func objectKeys(firstArray: UnsafeMutablePointer<Set<String>>?, dataIsObject: UnsafeMutablePointer<Bool>? = nil) -> Set<String> {
        var keys: Set<String> = []
        closedObject = false
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return keys }
        index += 1
        var sawArray = false
        while true {
            skipSpace()
            guard index < bytes.count else { return keys }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                closedObject = true
                return keys
            }
            guard let key = string() else { return keys }
            keys.insert(key)
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return keys }
            index += 1
            skipSpace()
            guard index < bytes.count else { return keys }
            if key == "data", bytes[index] == UInt8(ascii: "{") { dataIsObject?.pointee = true }
            if let firstArray, !sawArray, bytes[index] == UInt8(ascii: "[") {
                sawArray = true
                let start = index
                let startLine = line
                index += 1
                skipSpace()
                firstArray.pointee = objectKeys(firstArray: nil)
                (index, line, closedObject) = (start, startLine, false)
            }
            guard skipValue() else { return keys }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { continue }
                return keys
            }
            index += 1
        }
    }

    /// Scans the array starting at `index` (a `[`), returning its elements.
    private mutating func arrayElements() -> [Element]? {
        index += 1
        var elements: [Element] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return elements }
        while true {
            skipSpace()
            let start = index
            let startLine = line
            guard skipValue() else { return nil }
            elements.append(Element(range: start..<index, line: startLine))
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "]") { return elements }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    private mutating func skipSpace() {
        Self.skipSpace(in: bytes, at: &index, line: &line)
    }

    /// Moves `index` past JSON white space in `bytes`, counting line breaks in `line`.
    package static func skipSpace(in bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, line: inout Int) {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            index += 1
        }
    }

    /// Reads a string at `index` and returns its raw contents (escapes kept as written).
    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        guard skipString() else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
    }

    private mutating func skipString() -> Bool {
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""):
                index += 1
                return true
            case UInt8(ascii: "\n"):
                line += 1
                index += 1
            default: index += 1
            }
        }
        return false
    }

    /// Skips one value of any kind; `false` when the text ends first.
    private mutating func skipValue() -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                case UInt8(ascii: "\n"): line += 1
                default: break
                }
                index += 1
            }
            return false
        default:
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: " "),
                     UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    return true
                default: index += 1
                }
            }
            return true
        }
    }
}

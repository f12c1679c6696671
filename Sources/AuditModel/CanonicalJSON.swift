import ByteKernels
import Foundation

/// Writes the JSON that event hashes cover: strings, `null`, arrays and objects with keys
/// in Swift string order, no spaces, `/` unescaped, control characters as `\uXXXX`
/// (except `\n`, `\t`, `\r`, `\b`, `\f`).
///
/// Only a writer (reading is Foundation's): `JSONSerialization`'s own writer with
/// `.sortedKeys` bridges every dictionary to `NSDictionary`, which dominated an ingest.
package enum CanonicalJSON {
    /// The canonical text of a value made of strings, `NSNull`, numbers, arrays and
    /// string-keyed objects (what `JSONSerialization` reads). Other values are written as
    /// strings of their description, which no JSON value read is.
    package static func text(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    package static func write(_ value: Any, into out: inout String) {
        switch value {
        case let text as String:
            writeString(text, into: &out)
        case let array as [Any]:
            out += "["
            for (index, element) in array.enumerated() {
                if index > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]"
        case let object as [String: Any]:
            out += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key] as Any, into: &out)
            }
            out += "}"
        case is NSNull:
            out += "null"
        case let number as NSNumber:
            // Numbers and booleans as Foundation writes them (as `extra` values are written).
            if let data = try? JSONSerialization.data(withJSONObject: number, options: [.fragmentsAllowed]) {
                out += String(decoding: data, as: UTF8.self)
            } else {
                out += "null"  // not finite: JSON has no such number
            }
        default:
            writeString("\(value)", into: &out)
        }
    }

    /// An array of strings, without the dynamic casts of `write(_:into:)`.
    package static func write(_ strings: [String], into out: inout String) {
        out += "["
        for index in strings.indices {
            if index > 0 { out += "," }
            writeString(strings[index], into: &out)
        }
        out += "]"
    }

    /// A JSON string literal: `"`, `\` and the control characters escaped (on the bytes:
    /// every character that needs an escape is ASCII).
    package static func writeString(_ text: String, into out: inout String) {
        out += "\""
        JSONString.escapes.write(text, into: &out)
        out += "\""
    }

    /// `writeString` of UTF-8 bytes into bytes.
    package static func writeString(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        JSONString.write(text, into: &out)
    }

    /// The most bytes `JSONString.write(_:to:)` writes for a text of `count` bytes.
    package static func stringBound(_ count: Int) -> Int { JSONString.bound(count) }

    /// `writeString` of a string into bytes.
    package static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString($0, into: &out) }
    }

    /// `write(_ strings:)` into bytes.
    package static func write(_ strings: [String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for index in strings.indices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(strings[index], into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}

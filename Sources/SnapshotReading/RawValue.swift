import AuditModel
import Foundation

/// A raw input value, classified once: JSON values from `JSONSerialization`, or CSV text.
enum RawValue {
    /// Missing, null, empty text, an empty array or object.
    case absent
    case text(String)
    case array([Any])
    /// An array of text only (`FlatJSONRow` reads such arrays without boxing each element).
    case strings([String])
    case object([String: Any])
    case number(NSNumber)
    /// `true` or `false`, as Foundation reads them (an NSNumber of type "c").
    case boolean(NSNumber)
    case other(Any)

    /// Classifies `value`. The casts run in an order that never asks whether a Swift
    /// array is an `NSNull` (that check bridges the array to Objective-C, and cost a
    /// tenth of NDJSON reading).
    init(_ value: Any?) {
        guard let value else {
            self = .absent
            return
        }
        if let text = value as? String {
            self = text.isEmpty ? .absent : .text(text)
        } else if let array = value as? [Any] {
            self = array.isEmpty ? .absent : .array(array)
        } else if let object = value as? [String: Any] {
            self = object.isEmpty ? .absent : .object(object)
        } else if value is NSNull {
            self = .absent
        } else if let number = value as? NSNumber {
            // Foundation reads `true`/`false` as NSNumbers of type "c" (char); JSON numbers are
            // never that. A boolean is no timestamp (it used to read as 1970).
            self = number.objCType.pointee == CChar(UInt8(ascii: "c")) ? .boolean(number) : .number(number)
        } else {
            self = .other(value)
        }
    }

    /// The value as it was read, for `extra`; `nil` when absent.
    var jsonValue: Any? {
        switch self {
        case .absent: return nil
        case .text(let text): return text
        case .array(let array): return array
        case .strings(let strings): return strings
        case .object(let object): return object
        case .number(let number), .boolean(let number): return number
        case .other(let value): return value
        }
    }

    /// A short name for the JSON type, for messages.
    var typeName: String {
        switch self {
        case .absent: return "null"
        case .text: return "text"
        case .array, .strings: return "an array"
        case .object: return "an object"
        case .number: return "a number"
        case .boolean: return "a boolean"
        case .other: return "a value of an unexpected type"
        }
    }
}

import AuditModel
import AuditTime
import ByteKernels
import Foundation

/// Reads raw field values (JSON values from `JSONSerialization`, or CSV cell text) into the
/// canonical record, accepting every spelling DESIGN §1 lists.
enum FieldDecoder {
    /// Sets `field` of `profile` from `value`.
    static func apply(_ value: Any?, to field: ProfileField, of profile: inout SecurityProfile, unit: NumericInstantUnit) throws(FieldProblem) {
        try apply(RawValue(value), to: field, of: &profile, unit: unit)
    }

    /// Sets `field` of `profile` from a value already classified (a CSV cell is text or
    /// absent: no `Any` box, no dynamic cast); the elements of an array literal's text
    /// that recur come from `recurring`.
    static func apply(
        _ raw: RawValue, to field: ProfileField, of profile: inout SecurityProfile, unit: NumericInstantUnit, recurring: RecurringTexts? = nil
    ) throws(FieldProblem) {
        switch field {
        case .applications:
            profile.applications = try applications(raw)
            return
        case .granularAccessControl:
            profile.granularAccessControl = try granularAccessControl(raw)
            return
        default: break
        }
        switch field.kind {
        case .key:
            profile.key = try text(raw, field: field) ?? ""
        case .text:
            profile.setText(try text(raw, field: field), for: field)
        case .stringSet:
            profile.setSet(try stringSet(raw, field: field, recurring: recurring), for: field)
        case .tagSet:
            profile.setSet(try tagSet(raw, field: field, recurring: recurring), for: field)
        case .instant:
            profile.lastModifiedTime = try instant(raw, field: field, unit: unit)
        }
    }

    /// Whether a value means "absent": missing, null, empty text, empty array or object.
    static func isAbsent(_ value: Any?) -> Bool {
        if case .absent = RawValue(value) { return true }
        return false
    }

    static func text(_ raw: RawValue, field: ProfileField) throws(FieldProblem) -> String? {
        switch raw {
        case .absent: return nil
        case .text(let text):
            guard text.utf8.count <= InputLimits.textBytes else {
                throw FieldProblem(
                    field: field.rawValue,
                    message: "\(text.utf8.count) bytes of text; at most \(InputLimits.textBytes) are accepted (PostgreSQL indexes this field)")
            }
            return text
        default: throw FieldProblem(field: field.rawValue, message: "expected text, got \(raw.typeName)")
        }
    }

    static func stringSet(_ raw: RawValue, field: ProfileField, recurring: RecurringTexts? = nil) throws(FieldProblem) -> [String] {
        switch raw {
        case .absent: return []
        case .strings(let strings): return strings
        case .array(let array): return try strings(array, field: field)
        case .text(let text):
            let trimmed = text.trimmedSpaces
            if let elements = TextForms.postgresArray(trimmed, recurring: recurring) { return elements }
            if trimmed.hasPrefix("["), let array = TextForms.json(trimmed) as? [Any] { return try strings(array, field: field) }
            throw FieldProblem(field: field.rawValue, message: "expected an array like {a,b} or [\"a\",\"b\"], got \(quote(text))")
        default:
            throw FieldProblem(field: field.rawValue, message: "expected an array of strings, got \(raw.typeName)")
        }
    }

    static func tagSet(_ raw: RawValue, field: ProfileField, recurring: RecurringTexts? = nil) throws(FieldProblem) -> [String] {
        switch raw {
        case .absent: return []
        case .object(let object): return try tags(object, field: field)
        case .strings(let strings): return strings
        case .array(let array): return try strings(array, field: field)
        case .text(let text):
            let trimmed = text.trimmedSpaces
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
                // A PostgreSQL array is never valid JSON and a JSON object never a valid
                // PostgreSQL array, so the cheap parser goes first.
                if let elements = TextForms.postgresArray(trimmed) { return elements }
                // An object of text, as a CSV cell holds DDSQL's hstore in JSON: scanned, else Foundation's.
                if let tags = FlatJSONRow.tags(ofObject: trimmed, recurring: recurring) { return tags }
                let json = TextForms.json(trimmed)
                if let object = json as? [String: Any] { return try tags(object, field: field) }
                if let array = json as? [Any] { return try strings(array, field: field) }
                throw FieldProblem(field: field.rawValue, message: "expected a tag set as JSON, {k:v,...}, \"k\"=>\"v\" or k:v,k2:v2, got \(quote(text))")
            }
            if trimmed.utf8.containsArrow {
                guard let tags = TextForms.hstore(trimmed) else {
                    throw FieldProblem(field: field.rawValue, message: "expected hstore text like \"k\"=>\"v\", got \(quote(text))")
                }
                return tags
            }
            return TextForms.keyValueList(trimmed)
        default:
            throw FieldProblem(field: field.rawValue, message: "expected a tag set (object, array of k:v, or text), got \(raw.typeName)")
        }
    }

    static func instant(_ raw: RawValue, field: ProfileField, unit: NumericInstantUnit) throws(FieldProblem) -> Instant? {
        switch raw {
        case .absent: return nil
        case .text(let text):
            let trimmed = String(text.trimmedSpaces)
            if let instant = Instant(parsing: trimmed) { return instant }
            // A CSV cell of digits is epoch seconds, as AWS CLI v1 prints them (looked at as
            // bytes: by Character, the test cost more than the parse).
            if trimmed.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 || $0 == UInt8(ascii: ".") }), let seconds = Double(trimmed),
               let instant = Instant(epochSeconds: seconds) {
                return instant
            }
            throw FieldProblem(
                field: field.rawValue,
                message: "expected an ISO-8601 timestamp from 0001-01-01 to 9999-12-31 like 2026-11-20T14:03:27.512Z or 2026-11-20 14:03:27.512, got \(quote(text))")
        case .number(let number):
            let value = number.doubleValue
            // Whole numbers in exact integer arithmetic: a Double holds microseconds near
            // year 9999 (2.5e17) only to 32 µs.
            let perUnit: Int64 = unit == .seconds ? 1_000_000 : 1_000
            let instant: Instant?
            if value.rounded() == value, abs(value) < 9e15, let whole = Int64(exactly: value) {
                let (micros, overflow) = whole.multipliedReportingOverflow(by: perUnit)
                instant = overflow ? nil : Instant(checkedMicroseconds: micros)
            } else {
                instant = switch unit {
                case .seconds: Instant(epochSeconds: value)
                case .milliseconds: Instant(epochMilliseconds: value)
                }
            }
            guard let instant else {
                let hint = unit == .seconds && abs(value) >= 1e11 ? " (epoch milliseconds where seconds are expected?)" : ""
                throw FieldProblem(
                    field: field.rawValue,
                    message: "timestamp \(number) is outside 0001-01-01..9999-12-31\(hint)")
            }
            return instant
        default:
            throw FieldProblem(field: field.rawValue, message: "expected a timestamp, got \(raw.typeName)")
        }
    }

    static func strings(_ array: [Any], field: ProfileField) throws(FieldProblem) -> [String] {
        var out: [String] = []
        out.reserveCapacity(array.count)
        for element in array {
            if let text = element as? String {
                out.append(text)
            } else if !(element is NSNull) {
                throw FieldProblem(field: field.rawValue, message: "expected an array of strings, found \(describe(element))")
            }
        }
        return out
    }

    private static func tags(_ object: [String: Any], field: ProfileField) throws(FieldProblem) -> [String] {
        var out: [String] = []
        out.reserveCapacity(object.count)
        for (key, value) in object {
            if let text = value as? String {
                out.append(key + ":" + text)
            } else if value is NSNull {
                out.append(key + ":")
            } else {
                throw FieldProblem(field: field.rawValue, message: "tag \(quote(key)) must have a text value, got \(describe(value))")
            }
        }
        return out
    }

    /// A short name for the JSON type of `value`, for messages.
    static func describe(_ value: Any?) -> String {
        switch RawValue(value) {
        case .absent where value is String: return "empty text"
        case let raw: return raw.typeName
        }
    }

    /// `text` quoted for a message, cut to 60 characters, with control characters shown
    /// as escapes (a value never reaches a terminal raw).
    static func quote(_ text: String) -> String {
        let short = text.count > 60 ? text.prefix(57) + "..." : text[...]
        return "\"" + TextEscaping.terminal(String(short)) + "\""
    }
}

extension Substring.UTF8View {
    /// Whether the bytes hold `=>` (hstore text); Foundation's `contains` on strings goes
    /// through `NSString`, slowly.
    var containsArrow: Bool {
        // Each `>` found by `memchr`, then the byte before it looked at.
        let found = withContiguousStorageIfAvailable { bytes -> Bool in
            var start = 1
            while let at = bytes.offset(of: UInt8(ascii: ">"), from: start) {
                if bytes[at - 1] == UInt8(ascii: "=") { return true }
                start = at + 1
            }
            return false
        }
        if let found { return found }
        var previous: UInt8 = 0
        for byte in self {
            if previous == UInt8(ascii: "="), byte == UInt8(ascii: ">") { return true }
            previous = byte
        }
        return false
    }
}

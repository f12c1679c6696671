import Foundation

/// Why one field's value could not be read.
struct FieldProblem: Error {
    let field: String
    let message: String
}

/// How a bare number in a timestamp field is read.
enum NumericInstantUnit {
    /// Epoch seconds, maybe fractional (AWS CLI v1, JSON exports).
    case seconds
    /// Epoch milliseconds (the DDSQL API's tabular response).
    case milliseconds
}

/// Reads raw field values (JSON values from `JSONSerialization`, or CSV cell text) into the
/// canonical record, accepting every spelling DESIGN §1 lists.
enum FieldDecoder {
    /// Sets `field` of `profile` from `value`.
    static func apply(_ value: Any?, to field: ProfileField, of profile: inout SecurityProfile, unit: NumericInstantUnit) throws(FieldProblem) {
        switch field.kind {
        case .key:
            profile.key = try text(value, field: field) ?? ""
        case .text:
            profile.setText(try text(value, field: field), for: field)
        case .stringSet:
            profile.setSet(try stringSet(value, field: field), for: field)
        case .tagSet:
            profile.setSet(try tagSet(value, field: field), for: field)
        case .instant:
            profile.lastModifiedTime = try instant(value, field: field, unit: unit)
        }
    }

    /// Whether a value means "absent": missing, null, empty text, empty array or object.
    static func isAbsent(_ value: Any?) -> Bool {
        switch value {
        case nil, is NSNull: return true
        case let text as String: return text.isEmpty
        case let array as [Any]: return array.isEmpty
        case let object as [String: Any]: return object.isEmpty
        default: return false
        }
    }

    static func text(_ value: Any?, field: ProfileField) throws(FieldProblem) -> String? {
        if isAbsent(value) { return nil }
        guard let text = value as? String else {
            throw FieldProblem(field: field.rawValue, message: "expected text, got \(describe(value))")
        }
        return text
    }

    static func stringSet(_ value: Any?, field: ProfileField) throws(FieldProblem) -> [String] {
        if isAbsent(value) { return [] }
        if let array = value as? [Any] { return try strings(array, field: field) }
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)[...]
            if let elements = TextForms.postgresArray(trimmed) { return elements }
            if trimmed.hasPrefix("["), let array = TextForms.json(trimmed) as? [Any] { return try strings(array, field: field) }
            throw FieldProblem(field: field.rawValue, message: "expected an array like {a,b} or [\"a\",\"b\"], got \(quote(text))")
        }
        throw FieldProblem(field: field.rawValue, message: "expected an array of strings, got \(describe(value))")
    }

    static func tagSet(_ value: Any?, field: ProfileField) throws(FieldProblem) -> [String] {
        if isAbsent(value) { return [] }
        if let object = value as? [String: Any] { return try tags(object, field: field) }
        if let array = value as? [Any] { return try strings(array, field: field) }
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)[...]
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
                if let object = TextForms.json(trimmed) as? [String: Any] { return try tags(object, field: field) }
                if let array = TextForms.json(trimmed) as? [Any] { return try strings(array, field: field) }
                if let elements = TextForms.postgresArray(trimmed) { return elements }
                throw FieldProblem(field: field.rawValue, message: "expected a tag set as JSON, {k:v,...}, \"k\"=>\"v\" or k:v,k2:v2, got \(quote(text))")
            }
            if trimmed.contains("=>") {
                guard let tags = TextForms.hstore(trimmed) else {
                    throw FieldProblem(field: field.rawValue, message: "expected hstore text like \"k\"=>\"v\", got \(quote(text))")
                }
                return tags
            }
            return TextForms.keyValueList(trimmed)
        }
        throw FieldProblem(field: field.rawValue, message: "expected a tag set (object, array of k:v, or text), got \(describe(value))")
    }

    static func instant(_ value: Any?, field: ProfileField, unit: NumericInstantUnit) throws(FieldProblem) -> Instant? {
        if isAbsent(value) { return nil }
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let instant = Instant(parsing: trimmed) { return instant }
            // A CSV cell of digits is epoch seconds, as AWS CLI v1 prints them.
            if trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let seconds = Double(trimmed),
               let instant = Instant(epochSeconds: seconds) {
                return instant
            }
            throw FieldProblem(field: field.rawValue, message: "expected an ISO-8601 timestamp like 2026-11-20T14:03:27.512Z or 2026-11-20 14:03:27.512, got \(quote(text))")
        }
        if let number = value as? NSNumber {
            switch unit {
            case .seconds:
                if let instant = Instant(epochSeconds: number.doubleValue) { return instant }
            case .milliseconds:
                let millis = number.doubleValue
                if millis.isFinite, abs(millis) < 9e15 { return Instant(epochSeconds: millis / 1000) }
            }
            throw FieldProblem(field: field.rawValue, message: "timestamp \(number) is out of range")
        }
        throw FieldProblem(field: field.rawValue, message: "expected a timestamp, got \(describe(value))")
    }

    private static func strings(_ array: [Any], field: ProfileField) throws(FieldProblem) -> [String] {
        var out: [String] = []
        out.reserveCapacity(array.count)
        for element in array {
            if element is NSNull { continue }
            guard let text = element as? String else {
                throw FieldProblem(field: field.rawValue, message: "expected an array of strings, found \(describe(element))")
            }
            out.append(text)
        }
        return out
    }

    private static func tags(_ object: [String: Any], field: ProfileField) throws(FieldProblem) -> [String] {
        var out: [String] = []
        out.reserveCapacity(object.count)
        for (key, value) in object {
            if value is NSNull {
                out.append(key + ":")
            } else if let text = value as? String {
                out.append(key + ":" + text)
            } else {
                throw FieldProblem(field: field.rawValue, message: "tag \(quote(key)) must have a text value, got \(describe(value))")
            }
        }
        return out
    }

    /// A short name for the JSON type of `value`, for messages.
    static func describe(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "null"
        case is String: return "text"
        case is NSNumber: return "a number or boolean"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "a value of an unexpected type"
        }
    }

    static func quote(_ text: String) -> String {
        let short = text.count > 60 ? text.prefix(57) + "..." : text[...]
        return "\"\(short)\""
    }
}

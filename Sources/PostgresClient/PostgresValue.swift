import ArrayLiteral
import Foundation

/// A Swift value that can be sent as a parameter in PostgreSQL's text format.
package protocol PostgresEncodable {
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

/// A Swift value that can be read from PostgreSQL's text output format.
package protocol PostgresDecodable {
    /// Reads the value from its text output form, throwing `PostgresError.Code.decoding`.
    init(postgresText: String) throws
}

/// A value that travels both ways.
package typealias PostgresCodable = PostgresEncodable & PostgresDecodable

extension String: PostgresCodable {
    package var postgresText: String { self }
    package init(postgresText: String) { self = postgresText }
}

extension Int: PostgresCodable {
    package var postgresText: String { String(self) }
    package init(postgresText: String) throws {
        guard let value = Int(postgresText) else {
            throw PostgresError(.decoding, "expected an integer, got \(postgresText.prefix(40))")
        }
        self = value
    }
}

extension Int64: PostgresCodable {
    package var postgresText: String { String(self) }
    package init(postgresText: String) throws {
        guard let value = Int64(postgresText) else {
            throw PostgresError(.decoding, "expected an integer, got \(postgresText.prefix(40))")
        }
        self = value
    }
}

extension Int32: PostgresCodable {
    package var postgresText: String { String(self) }
    package init(postgresText: String) throws {
        guard let value = Int32(postgresText) else {
            throw PostgresError(.decoding, "expected an integer, got \(postgresText.prefix(40))")
        }
        self = value
    }
}

extension Double: PostgresCodable {
    package var postgresText: String { String(self) }
    package init(postgresText: String) throws {
        guard let value = Double(postgresText) else {
            throw PostgresError(.decoding, "expected a number, got \(postgresText.prefix(40))")
        }
        self = value
    }
}

extension Bool: PostgresCodable {
    package var postgresText: String { self ? "t" : "f" }
    package init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError(.decoding, "expected a boolean, got \(postgresText.prefix(40))")
        }
    }
}

/// `text[]` and other one-dimensional arrays of strings, in PostgreSQL's array literal form.
extension Array: PostgresEncodable where Element == String {
    package var postgresText: String { ArrayLiteral.render(self) }
}

extension Array: PostgresDecodable where Element == String {
    package init(postgresText: String) throws {
        guard let elements = ArrayLiteral.parse(postgresText) else {
            throw PostgresError(.decoding, "expected an array literal {...}, got \(postgresText.prefix(40))")
        }
        self = try elements.map { element in
            guard let element else { throw PostgresError(.decoding, "unexpected NULL element in \(postgresText.prefix(40))") }
            return element
        }
    }
}

/// A `json` or `jsonb` value, carried as its text.
package struct PostgresJSON: PostgresCodable, Sendable, Equatable {
    /// The JSON text.
    package var text: String
    /// Wraps JSON text.
    package init(_ text: String) { self.text = text }
    package var postgresText: String { text }
    package init(postgresText: String) { text = postgresText }
}

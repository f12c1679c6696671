/// One row in PostgreSQL's text format: `nil` is SQL `NULL`, distinct from `""`.
package struct PostgresRow: Sendable {
    /// The column names, shared by all rows of a result.
    package let columns: [String]
    /// The values in text format, `nil` for `NULL`.
    package let values: [String?]

    /// Creates a row from column names and text values.
    package init(columns: [String], values: [String?]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// Decodes column `index` as `T`, failing on `NULL`.
    package func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        guard let text = values[index] else {
            throw PostgresError(.decoding, "column \(columns[index]) is NULL, expected \(T.self)")
        }
        return try decodeText(text, column: index)
    }

    /// Decodes column `index` as `T`, or `nil` for `NULL`.
    package func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T? {
        guard let text = values[index] else { return nil }
        return try decodeText(text, column: index) as T
    }

    /// Decodes the column named `name` as `T`, failing on `NULL`.
    package func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column name: String) throws -> T {
        try decode(type, at: index(of: name))
    }

    /// Decodes the column named `name` as `T`, or `nil` for `NULL`.
    package func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, column name: String) throws -> T? {
        try decodeIfPresent(type, at: index(of: name))
    }

    private func index(of name: String) throws -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw PostgresError(.decoding, "the result has no column \(name)")
        }
        return index
    }

    private func decodeText<T: PostgresDecodable>(_ text: String, column: Int) throws -> T {
        do {
            return try T(postgresText: text)
        } catch let error as PostgresError {
            throw PostgresError(.decoding, "column \(columns[column]): \(error.message)")
        }
    }
}

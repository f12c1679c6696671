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

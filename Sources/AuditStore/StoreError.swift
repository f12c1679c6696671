/// What the store refuses to do, with what to do about it.
package enum StoreError: Error, Equatable, CustomStringConvertible {
    /// An applied migration's text differs from the one this binary carries.
    case migrationChanged(String)

    package var description: String {
        switch self {
        case .migrationChanged(let name):
            return "migration \(name) was changed after it was applied to this database;"
                + " restore its original text and put the change in a new migration"
        }
    }
}

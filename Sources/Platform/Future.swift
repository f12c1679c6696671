import Foundation

/// A value computed on a thread of its own while the caller goes on; `value` waits for it.
/// The one way the project runs work beside the caller.
package final class Future<Value: Sendable>: @unchecked Sendable {
    /// Audited: written once by the computing thread before `done` is signalled, read only
    /// after waiting for `done`.
    private var result: Value?
    private let done = DispatchSemaphore(value: 0)

    /// Starts `compute` on a thread of `stackSize` bytes (deep recursion, as Foundation's JSON
    /// decoding, needs more than a dispatch worker's 512 KiB).
    package init(stackSize: Int = 8 << 20, _ compute: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            result = compute()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
    }

    /// The value, once computed; a second read returns at once.
    package var value: Value {
        done.wait()
        done.signal()
        return result!
    }
}

extension Future {
    /// Starts `compute` with `lent`, a value that is not `Sendable` (a database connection's
    /// owner): the caller lends it, and must not use it again until `value` has returned.
    package convenience init<Lent>(lending lent: Lent, stackSize: Int = 8 << 20, _ compute: @escaping @Sendable (Lent) -> Value) {
        let loan = Loan(lent)
        self.init(stackSize: stackSize) { compute(loan.value) }
    }

    /// The result of a throwing computation, once finished: its value, or its error thrown.
    package func get<Success>() throws -> Success where Value == Result<Success, any Error> {
        try value.get()
    }
}

/// Audited `@unchecked Sendable`: `Future(lending:)`'s caller does not touch the value while
/// the computing thread has it.
private struct Loan<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

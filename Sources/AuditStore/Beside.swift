import Foundation

/// A value computed on a thread of its own while the caller goes on; `value` waits for it.
final class Beside<Value: Sendable>: @unchecked Sendable {
    /// Audited: written once by the computing thread before `done` is signalled, read only
    /// after waiting for `done`.
    private var result: Value?
    private let done = DispatchSemaphore(value: 0)

    init(_ compute: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async {
            self.result = compute()
            self.done.signal()
        }
    }

    /// The value, once computed.
    var value: Value {
        done.wait()
        done.signal()  // a second read returns at once
        return result!
    }
}

import Foundation

/// Texts that recur from record to record (permission names, resource types, tags), each
/// made into a `String` once and shared after that.
///
/// A profile's permissions are names from Amazon Connect's list of a few hundred, so a
/// file of profiles repeats the same names over and over; making each one anew was one
/// heap string per permission, allocated, touched and freed. One table serves one share of
/// one batch, on one thread: it is never shared between threads.
///
/// Only texts longer than 15 bytes are kept: shorter ones are stored inside the `String`
/// itself and cost no allocation. A text is only ever returned for the same bytes
/// (`ByteKeyedTable`), so the table changes how much memory a read takes, never what it
/// reads.
///
/// It also lends its share the buffer an array's elements are gathered in
/// (`takeElements`), so that each array is allocated once, at its size.
package final class RecurringTexts {
    /// The texts kept, by their bytes.
    private let table = ByteKeyedTable<String>(slots: 2_048, capacity: 1_024, probes: 8)

    package init() {}

    /// An array's elements are gathered here before they are copied at their number.
    @exclusivity(unchecked) private var elements: [String] = []

    /// The empty array that keeps its capacity, to gather an array's elements in; give it
    /// back with `returnElements` (until then the next caller gets a new one).
    package func takeElements() -> [String] {
        var taken: [String] = []
        swap(&taken, &elements)
        return taken
    }

    /// Takes back the array `takeElements` gave, emptied but for its capacity.
    package func returnElements(_ array: inout [String]) {
        array.removeAll(keepingCapacity: true)
        swap(&array, &elements)
    }

    /// The `String` of `bytes`, which are valid UTF-8 (ASCII the scanner has checked, or
    /// the bytes of a `String`).
    package func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count > 15 else { return String(decoding: bytes, as: UTF8.self) }
        return table.value(for: bytes) { String(decoding: $0, as: UTF8.self) }
    }
}

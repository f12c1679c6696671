import Foundation

/// Texts that recur from record to record (permission names, resource types, tags), each
/// made into a `String` once and shared after that.
///
/// A profile's permissions are names from Amazon Connect's list of a few hundred, so a
/// file of profiles repeats the same names over and over; making each one anew was one
/// heap string per permission, allocated, touched and freed (`malloc` and `free` were a
/// fifth of reading NDJSON with ~18 permissions a row). One table serves one
/// share of one batch, on one thread: it is never shared between threads.
///
/// Only texts longer than 15 bytes are kept: shorter ones are stored inside the
/// `String` itself and cost no allocation. The table keeps at most `capacity` texts and
/// looks at most `probes` slots; past either it makes the text as before. A text is only
/// ever returned for the same bytes (compared byte for byte), so the table changes how
/// much memory a read takes, never what it reads.
///
/// It also lends its share the buffer an array's elements are gathered in
/// (`takeElements`), so that each array is allocated once, at its size.
package final class RecurringTexts {
    /// Slots in the table (a power of two), and how many of them may fill.
    private static let slotCount = 2048
    private static let capacity = 1024
    private static let probes = 8

    // Unchecked at run time: one thread uses a table, and `text` calls nothing that could
    // reach it again, so no two accesses overlap (the checks were half of its cost).
    @exclusivity(unchecked) private var hashes = [UInt64](repeating: 0, count: RecurringTexts.slotCount)
    @exclusivity(unchecked) private var texts = [String?](repeating: nil, count: RecurringTexts.slotCount)
    @exclusivity(unchecked) private var count = 0

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
        let hash = Self.hash(bytes)
        let mask = Self.slotCount - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<Self.probes {
            guard let text = texts[slot] else {
                let made = String(decoding: bytes, as: UTF8.self)
                if count < Self.capacity {
                    hashes[slot] = hash
                    texts[slot] = made
                    count += 1
                }
                return made
            }
            if hashes[slot] == hash, Self.text(text, is: bytes) { return text }
            slot = (slot + 1) & mask
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// FNV-1a's steps over eight bytes at a time, then mixed so that every byte reaches the
    /// low bits: a table index, not a digest (a collision costs one more comparison).
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let prime: UInt64 = 0x100_0000_01b3
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        var offset = 0
        while bytes.count - offset >= 8 {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* prime
            offset += 8
        }
        while offset < bytes.count {
            hash = (hash ^ UInt64(bytes[offset])) &* prime
            offset += 1
        }
        hash ^= hash >> 32
        hash &*= prime
        return hash ^ (hash >> 29)
    }

    private static func text(_ text: String, is bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        text.utf8.count == bytes.count
            && text.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 } == true
    }
}

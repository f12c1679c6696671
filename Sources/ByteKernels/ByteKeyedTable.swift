import Foundation

/// A table from byte strings to values, for keys that recur (permission names, lists of
/// changed fields): open addressing in a fixed number of slots, found by a hash of the
/// key's eight-byte words, then compared byte for byte, so a value is only ever returned
/// for the bytes it was made for. It keeps at most `capacity` entries and looks at most
/// `probes` slots; past either, `value(for:make:)` makes the value without keeping it. So
/// the table changes how often a value is made, never which value a key gets.
///
/// One thread uses a table: its storage is unchecked for overlapping access at run time
/// (`value(for:make:)` calls nothing that could reach it again but `make`, which must not).
package final class ByteKeyedTable<Value> {
    private let mask: Int
    private let capacity: Int
    private let probes: Int
    @exclusivity(unchecked) private var hashes: [UInt64]
    @exclusivity(unchecked) private var keys: [[UInt8]]
    @exclusivity(unchecked) private var values: [Value?]
    /// How many entries are kept.
    @exclusivity(unchecked) package private(set) var count = 0

    /// A table of `slots` places (rounded up to a power of two) keeping at most `capacity`.
    package init(slots: Int = 2_048, capacity: Int = 1_024, probes: Int = 8) {
        let slots = max(2, 1 << (Int.bitWidth - (max(slots, 2) - 1).leadingZeroBitCount))
        mask = slots - 1
        self.capacity = min(capacity, slots)
        self.probes = max(1, min(probes, slots))
        hashes = [UInt64](repeating: 0, count: slots)
        keys = [[UInt8]](repeating: [], count: slots)
        values = [Value?](repeating: nil, count: slots)
    }

    /// The value kept for `key`, else `make(key)` (kept while there is room).
    @inline(__always)
    package func value(for key: UnsafeBufferPointer<UInt8>, make: (UnsafeBufferPointer<UInt8>) -> Value) -> Value {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<probes {
            guard let value = values[slot] else {
                let made = make(key)
                if count < capacity {
                    hashes[slot] = hash
                    keys[slot] = Array(key)
                    values[slot] = made
                    count += 1
                }
                return made
            }
            if hashes[slot] == hash, Self.equal(keys[slot], key) { return value }
            slot = (slot + 1) & mask
        }
        return make(key)
    }

    /// `value(for:make:)` of an array's bytes.
    package func value(for key: [UInt8], make: (UnsafeBufferPointer<UInt8>) -> Value) -> Value {
        key.withUnsafeBufferPointer { value(for: $0, make: make) }
    }

    private static func equal(_ kept: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        kept.count == key.count && (key.isEmpty || kept.withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 })
    }

    /// Multiplicative mixing of the key's eight-byte words and its length: a table index,
    /// not a digest (a collision costs one more comparison). Not for an adversary's keys:
    /// the worst they can do is fill the probes, and values are then made each time.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        @inline(__always) func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
        }
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while bytes.count - offset >= 8 {
                mix(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
        }
        var tail: UInt64 = 0
        while offset < bytes.count {
            tail = tail << 8 | UInt64(bytes[offset])
            offset += 1
        }
        mix(tail)
        return hash ^ (hash >> 29)
    }
}

import Foundation

extension UnsafeBufferPointer<UInt8> {
    /// The offset of the first `byte` in `from..<upTo` (to the end when `upTo` is `nil`),
    /// found with `memchr` (vectorised in libc): the readers' one way to jump to the next
    /// quote, comma or line break instead of looking at every byte.
    package func offset(of byte: UInt8, from: Int = 0, upTo: Int? = nil) -> Int? {
        let end = upTo ?? count
        guard from < end, let base = baseAddress, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}

import Foundation
#if canImport(Glibc)
internal import CMalloc
#endif

/// Hints to the kernel and the allocator about memory the caller is about to use: only
/// hints, nothing changes where they are refused (`docs/performance.md` has the figures).
package enum Memory {
    /// Asks Linux to back `room` with 2 MiB pages where it can (`madvise(MADV_HUGEPAGE)`),
    /// before anything is written there: a year's report rows are gigabytes, faulted in
    /// 4 KiB at a time otherwise.
    package static func adviseHugePages(_ room: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let hugePage = 2 << 20
        guard room.count >= 2 * hugePage, let base = room.baseAddress.map({ Int(bitPattern: $0) }) else { return }
        let start = (base + hugePage - 1) & ~(hugePage - 1)
        let end = (base + room.count) & ~(hugePage - 1)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
        #endif
    }

    /// Tells glibc's allocator to keep freed memory for reuse instead of handing it back to
    /// the kernel at once, so a file read in batches does not ask for fresh zeroed pages
    /// again and again: blocks up to 32 MiB (glibc's largest threshold) come from the heap,
    /// which grows by 64 MiB at a time and is trimmed past 1 GiB free.
    package static func keepFreedMemory() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TOP_PAD, 64 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}

extension Array {
    /// `Memory.adviseHugePages` over the room this array has reserved, before anything is
    /// written there.
    package mutating func adviseHugePages() {
        let room = capacity * MemoryLayout<Element>.stride
        withUnsafeMutableBufferPointer { buffer in
            Memory.adviseHugePages(UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: room))
        }
    }
}

extension Array where Element == UInt8 {
    /// Bytes written by `fill` into `capacity` bytes of new room, advised onto huge pages
    /// first; `fill` returns how many it wrote.
    package init(hugePageCapacity capacity: Int, _ fill: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        self.init(unsafeUninitializedCapacity: capacity) { out, written in
            Memory.adviseHugePages(UnsafeMutableRawBufferPointer(out))
            written = fill(out)
        }
    }
}

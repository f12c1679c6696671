import Foundation
#if canImport(Glibc)
import CMalloc
#endif

/// Values a command keeps until its process exits, unfreed.
///
/// An ingest's snapshot, open versions and change set are millions of small objects; freeing
/// them one by one when a command returns took 0.47 s of a 7 s first ingest of 100,000
/// profiles (and about 0.7 s of a nightly one of 1,000,000), just before the process exits
/// and the kernel takes all its memory back at once. A command runs once per process, so
/// what it keeps here is bounded by what it held anyway.
enum ProcessLifetime {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var kept: [Any] = []

    /// Keeps `value` alive until the process exits.
    static func keepUntilExit(_ value: Any) {
        lock.withLock { kept.append(value) }
    }

    /// Tells glibc's allocator to keep freed memory for reuse instead of handing it back
    /// to the kernel at once. By default every allocation above 128 KiB is its own `mmap`
    /// and every free of it a `munmap`, and the top of the heap is trimmed past 128 KiB
    /// free: reading a file in batches then asks the kernel for fresh zeroed pages again
    /// and again (zeroing pages was 15% of a nightly ingest of 1,000,000 profiles, and 2.4 s
    /// of its 6 s of CPU were the kernel's; with these settings 1.0 s, and 7.8 s became
    /// 6.8 s, peak RSS 875 to 975 MiB). Buffers up to 32 MiB (glibc's largest threshold)
    /// come from the heap, which grows by 64 MiB at a time and is trimmed past 1 GiB free.
    static func keepFreedMemory() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TOP_PAD, 64 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}

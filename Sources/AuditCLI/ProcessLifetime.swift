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
    /// to the kernel at once. By default glibc serves large blocks with `mmap` (from 128 KiB,
    /// a threshold it raises as such blocks are freed) and trims the top of the heap past
    /// 128 KiB free, so reading a file in batches asks the kernel for fresh zeroed pages
    /// again and again (zeroing pages was 15% of a nightly ingest of 1,000,000 profiles in
    /// `perf`). Measured by alternating the two builds on a dry-run nightly ingest of
    /// 1,000,000 profiles: 4.70 and 4.31 s without, 4.06 and 3.93 s with, system time 1.51 s
    /// against 1.08-1.16 s; the nightly's peak RSS went from 875 to 972 MiB
    /// (`scripts/bench-ingest 1000000 4`). Blocks up to 32 MiB (glibc's largest threshold)
    /// come from the heap, which grows by 64 MiB at a time and is trimmed past 1 GiB free.
    static func keepFreedMemory() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TOP_PAD, 64 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}

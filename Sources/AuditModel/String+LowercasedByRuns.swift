extension String {
    /// `lowercased()`, with ASCII lowercased byte by byte and only the runs between through
    /// Swift's Unicode case mapping (which maps scalar by scalar, without context, so a run
    /// lowercases as it does in the whole text; `TextEscapingTests` compares the two).
    /// Mapping every scalar was a seventh of a year-long HTML report.
    package var lowercasedByRuns: String {
        let utf8 = self.utf8
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte < 0x80 {
                bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
                index = utf8.index(after: index)
                continue
            }
            // An ASCII byte starts a scalar, so the run is whole scalars.
            let run = index
            while index != utf8.endIndex && utf8[index] >= 0x80 { index = utf8.index(after: index) }
            bytes.append(contentsOf: Substring(utf8[run..<index]).lowercased().utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Calls `body` with the decimal text of `value` (`String(value)`'s bytes), written digit
/// by digit on the stack: without the `String`, which the content hash and the JSON report
/// make millions of times.
package func withDecimalText<Result>(_ value: Int64, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for "-9223372036854775808"
    return try withUnsafeMutableBytes(of: &digits) { buffer in
        var magnitude = value.magnitude
        var index = buffer.count
        repeat {
            index -= 1
            buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            index -= 1
            buffer[index] = UInt8(ascii: "-")
        }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[index...]))
    }
}

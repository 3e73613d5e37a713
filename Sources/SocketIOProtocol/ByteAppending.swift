// Small append helpers shared by the JSON serializer and the packet encoders.
// They write straight into the output buffer, so no intermediate `String`s are
// created for the common cases (keywords, integers, punctuation).

extension Array where Element == UInt8 {
    /// Appends the bytes of a compile-time constant string (keywords, prefixes).
    @inline(__always)
    mutating func appendStatic(_ text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of `value` without going through `String`.
    /// Digits are produced least significant first into a small stack buffer and
    /// then copied in one go.
    mutating func appendDecimal(_ value: Int64) {
        // 19 digits for |Int64.min| plus the sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var position = digits.count
            var remaining = value.magnitude
            repeat {
                position -= 1
                digits[position] = ASCII.zero + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
            if value < 0 {
                position -= 1
                digits[position] = ASCII.minus
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[position...]))
        }
    }

    @inline(__always)
    mutating func appendDecimal(_ value: Int) {
        appendDecimal(Int64(value))
    }
}

/// Number of bytes `appendDecimal` writes for `value`.
func decimalLength(_ value: Int64) -> Int {
    var length = value < 0 ? 2 : 1
    var remaining = value.magnitude / 10
    while remaining > 0 {
        length += 1
        remaining /= 10
    }
    return length
}

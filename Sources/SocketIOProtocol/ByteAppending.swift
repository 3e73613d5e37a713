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
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(ASCII.minus) }
        var remaining = value.magnitude
        let start = count
        repeat {
            append(ASCII.zero + UInt8(remaining % 10))
            remaining /= 10
        } while remaining > 0
        // Digits were produced least significant first.
        self[start...].reverse()
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

/// Strict UTF-8 validation (RFC 3629): no overlong forms, no encoded surrogates,
/// nothing above U+10FFFF.
///
/// The stdlib can validate too, but it does not say *where* the bad byte is, and the
/// JSON scanner already walks every byte of a string looking for quotes and
/// escapes, so checking multi-byte sequences in the same pass costs almost nothing.
enum UTF8Validation {
    /// Length of the well-formed multi-byte sequence that starts at `index`, or `nil`.
    /// `bytes[index]` must be >= 0x80 (ASCII is handled by the caller's fast path).
    @inline(__always)
    static func sequenceLength(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let lead = bytes[index]
        let remaining = bytes.count - index
        @inline(__always) func isContinuation(_ offset: Int) -> Bool {
            bytes[index + offset] & 0xC0 == 0x80
        }
        switch lead {
        case 0xC2...0xDF:
            guard remaining >= 2, isContinuation(1) else { return nil }
            return 2
        case 0xE0...0xEF:
            guard remaining >= 3 else { return nil }
            let second = bytes[index + 1]
            // E0 needs A0... to avoid overlong forms; ED must stay below A0 to
            // exclude the UTF-16 surrogate range D800...DFFF.
            let secondRange: ClosedRange<UInt8> =
                lead == 0xE0 ? 0xA0...0xBF : (lead == 0xED ? 0x80...0x9F : 0x80...0xBF)
            guard secondRange.contains(second), isContinuation(2) else { return nil }
            return 3
        case 0xF0...0xF4:
            guard remaining >= 4 else { return nil }
            let second = bytes[index + 1]
            // F0 needs 90... (overlong otherwise); F4 stops at 8F (U+10FFFF).
            let secondRange: ClosedRange<UInt8> =
                lead == 0xF0 ? 0x90...0xBF : (lead == 0xF4 ? 0x80...0x8F : 0x80...0xBF)
            guard secondRange.contains(second), isContinuation(2), isContinuation(3) else { return nil }
            return 4
        default:
            // Stray continuation bytes, C0/C1 (always overlong) and F5...FF.
            return nil
        }
    }

    /// Offset of the first ill-formed byte, or `nil` when the whole buffer is valid.
    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] < 0x80 {
                index += 1
                continue
            }
            guard let length = sequenceLength(in: bytes, at: index) else { return index }
            index += length
        }
        return nil
    }

    /// A `String` from bytes, or `nil` if they are not valid UTF-8.
    static func string(from bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard firstInvalidOffset(in: bytes) == nil else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

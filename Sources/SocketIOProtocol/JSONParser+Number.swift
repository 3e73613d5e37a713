extension JSONParser {
    /// Parses an RFC 8259 number: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    ///
    /// Validation and conversion happen in one pass. Numbers whose decimal
    /// significand fits in 53 bits and whose power of ten is at most 22 are converted
    /// exactly with one multiplication or division (both operands are exact doubles, so
    /// the single IEEE rounding gives the correctly rounded result). That covers
    /// nearly everything real clients send; the rest goes through the stdlib's
    /// correctly rounded `Double(String)`.
    mutating func parseNumber() throws(JSONError) -> Double {
        let start = index
        var negative = false
        if bytes[index] == ASCII.minus {
            negative = true
            index += 1
        }
        guard index < bytes.count, ASCII.isDigit(bytes[index]) else {
            throw error("invalid number")
        }

        var significand: UInt64 = 0
        // Digits after the first non-zero one; past 19 the significand would overflow.
        var significantDigits = 0
        @inline(__always) func accumulate(_ byte: UInt8) {
            let digit = UInt64(byte - ASCII.zero)
            if significand == 0 && digit == 0 { return }
            significantDigits += 1
            if significantDigits <= 19 {
                significand = significand &* 10 &+ digit
            }
        }

        if bytes[index] == ASCII.zero {
            index += 1
            if index < bytes.count, ASCII.isDigit(bytes[index]) {
                throw error("leading zeros are not allowed", at: start)
            }
        } else {
            while index < bytes.count, ASCII.isDigit(bytes[index]) {
                accumulate(bytes[index])
                index += 1
            }
        }

        var fractionDigits = 0
        if index < bytes.count, bytes[index] == ASCII.dot {
            index += 1
            guard index < bytes.count, ASCII.isDigit(bytes[index]) else {
                throw error("expected digit after decimal point")
            }
            while index < bytes.count, ASCII.isDigit(bytes[index]) {
                accumulate(bytes[index])
                fractionDigits += 1
                index += 1
            }
        }

        var exponent = 0
        if index < bytes.count, bytes[index] == ASCII.lowerE || bytes[index] == ASCII.upperE {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == ASCII.plus || bytes[index] == ASCII.minus {
                exponentNegative = bytes[index] == ASCII.minus
                index += 1
            }
            guard index < bytes.count, ASCII.isDigit(bytes[index]) else {
                throw error("expected digit in exponent")
            }
            while index < bytes.count, ASCII.isDigit(bytes[index]) {
                // Saturate: the value only decides between fast and slow path, and
                // the slow path re-reads the text.
                if exponent < 100_000 {
                    exponent = exponent * 10 + Int(bytes[index] - ASCII.zero)
                }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        let powerOfTen = exponent - fractionDigits
        if significantDigits <= 19, significand <= 1 << 53, (-22...22).contains(powerOfTen) {
            var value = Double(significand)
            if powerOfTen > 0 {
                value *= Self.exactPowersOfTen[powerOfTen]
            } else if powerOfTen < 0 {
                value /= Self.exactPowersOfTen[-powerOfTen]
            }
            // Negating after the fact keeps "-0" as -0.0.
            return negative ? -value : value
        }

        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number out of range", at: start)
        }
        return value
    }

    /// 10^0 ... 10^22: every power of ten that a Double holds exactly.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}

extension JSONParser {
    /// Parses a string starting at the opening quote.
    ///
    /// Most strings on the wire contain no escapes, so the first pass only scans for
    /// the closing quote (validating UTF-8 as it goes) and builds the `String`
    /// straight from the input bytes. Only when a backslash appears do we fall back
    /// to decoding into the scratch buffer.
    mutating func parseString() throws(JSONError) -> String {
        let openingQuote = index
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote {
                let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return string
            }
            if byte == ASCII.backslash {
                return try parseEscapedString(contentStart: start, openingQuote: openingQuote)
            }
            try advanceOverUnescapedByte(byte)
        }
        throw error("unterminated string", at: openingQuote)
    }

    /// Steps over one literal (non-quote, non-backslash) character of a string.
    @inline(__always)
    mutating func advanceOverUnescapedByte(_ byte: UInt8) throws(JSONError) {
        if byte >= 0x80 {
            guard let length = UTF8Validation.sequenceLength(in: bytes, at: index) else {
                throw error("invalid UTF-8 in string")
            }
            index += length
        } else if byte < 0x20 {
            throw error("unescaped control character in string")
        } else {
            index += 1
        }
    }

    /// Slow path: `index` is at the first backslash; everything from `contentStart`
    /// up to it is already known to be valid.
    mutating func parseEscapedString(contentStart: Int, openingQuote: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = contentStart
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote || byte == ASCII.backslash {
                if runStart < index {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                if byte == ASCII.quote {
                    index += 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                try decodeEscape()
                runStart = index
            } else {
                try advanceOverUnescapedByte(byte)
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    /// Decodes the escape at `index` (which points at the backslash) into `scratch`.
    mutating func decodeEscape() throws(JSONError) {
        let escapeStart = index
        guard index + 1 < bytes.count else { throw error("unterminated escape sequence") }
        let kind = bytes[index + 1]
        index += 2
        let simple: UInt8
        switch kind {
        case ASCII.quote: simple = ASCII.quote
        case ASCII.backslash: simple = ASCII.backslash
        case ASCII.slash: simple = ASCII.slash
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = ASCII.newline
        case UInt8(ascii: "r"): simple = ASCII.carriageReturn
        case UInt8(ascii: "t"): simple = ASCII.tab
        case UInt8(ascii: "u"):
            try decodeUnicodeEscape(escapeStart: escapeStart)
            return
        default:
            throw error("invalid escape sequence", at: escapeStart)
        }
        scratch.append(simple)
    }

    /// `index` is just past `\u`. UTF-16 surrogates must come as a high/low pair of
    /// escapes; a lone half cannot be represented in a Swift `String` (or in UTF-8),
    /// so it is rejected rather than silently replaced.
    mutating func decodeUnicodeEscape(escapeStart: Int) throws(JSONError) {
        let unit = try readHexQuad()
        let scalarValue: UInt32
        switch unit {
        case 0xD800...0xDBFF:
            guard bytes.count - index >= 2,
                bytes[index] == ASCII.backslash,
                bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate in \\u escape", at: escapeStart) }
            index += 2
            let low = try readHexQuad()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error("unpaired surrogate in \\u escape", at: escapeStart)
            }
            scalarValue = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00...0xDFFF:
            throw error("unpaired surrogate in \\u escape", at: escapeStart)
        default:
            scalarValue = unit
        }
        appendUTF8(scalarValue)
    }

    mutating func readHexQuad() throws(JSONError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Encodes a scalar value (already known not to be a surrogate) as UTF-8.
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

/// Writing strings as JSON string literals.
///
/// Only what RFC 8259 requires is escaped: `"`, `\` and C0 control characters
/// (using the short forms where they exist). Everything else, including non-ASCII,
/// is copied through as UTF-8; runs of plain bytes are appended with one bulk copy.
enum JSONStringEscaping {
    static func append(_ string: String, to buffer: inout [UInt8]) {
        var string = string  // withUTF8 is mutating; this copy is just a retain.
        string.withUTF8 { utf8 in
            append(utf8: utf8, to: &buffer)
        }
    }

    static func append(utf8: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        buffer.append(ASCII.quote)
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard needsEscape(byte) else { continue }
            if runStart < index {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            appendEscape(for: byte, to: &buffer)
            runStart = index + 1
        }
        if runStart < utf8.count {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        buffer.append(ASCII.quote)
    }

    static func escapedLength(of string: String) -> Int {
        var length = 2
        for byte in string.utf8 {
            if !needsEscape(byte) {
                length += 1
            } else if shortEscape(for: byte) != nil {
                length += 2
            } else {
                length += 6
            }
        }
        return length
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash
    }

    /// The letter after the backslash for escapes that have a short form.
    static func shortEscape(for byte: UInt8) -> UInt8? {
        switch byte {
        case ASCII.quote: return ASCII.quote
        case ASCII.backslash: return ASCII.backslash
        case ASCII.newline: return UInt8(ascii: "n")
        case ASCII.carriageReturn: return UInt8(ascii: "r")
        case ASCII.tab: return UInt8(ascii: "t")
        case 0x08: return UInt8(ascii: "b")
        case 0x0C: return UInt8(ascii: "f")
        default: return nil
        }
    }

    static func appendEscape(for byte: UInt8, to buffer: inout [UInt8]) {
        buffer.append(ASCII.backslash)
        if let letter = shortEscape(for: byte) {
            buffer.append(letter)
            return
        }
        // Remaining control characters: \u00XX in lowercase hex, like JSON.stringify.
        let hexDigits: StaticString = "0123456789abcdef"
        buffer.appendStatic("u00")
        buffer.append(hexDigits.utf8Start[Int(byte >> 4)])
        buffer.append(hexDigits.utf8Start[Int(byte & 0x0F)])
    }
}

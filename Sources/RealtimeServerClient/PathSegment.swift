/// Percent-encoding of one path segment (a channel name or a user id).
///
/// Everything except RFC 3986 unreserved characters is encoded, so `/`, `?`, `#`,
/// `%`, spaces and non-ASCII text reach the server as part of the one segment.
enum PathSegment {
    static func encode(_ segment: String) -> String {
        // "." and ".." would be collapsed by URL normalisation in proxies: encode them whole.
        let encodeDots = segment.utf8.allSatisfy { $0 == UInt8(ascii: ".") }
        var encoded = ""
        encoded.reserveCapacity(segment.utf8.count)
        for byte in segment.utf8 {
            if isUnreserved(byte), !(encodeDots && byte == UInt8(ascii: ".")) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + hexDigit(byte >> 4) + hexDigit(byte & 0x0F)
            }
        }
        return encoded
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> String {
        String(Unicode.Scalar(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10))
    }
}

/// Redis Cluster's key → hash slot function: CRC16 (XMODEM) of the key, or of its
/// hash tag, modulo 16384. The hash tag is what lies between the first `{` and the
/// first `}` after it, when that is not empty; keys with the same tag share a slot,
/// which is how multi-key scripts stay on one shard.
public enum RedisClusterSlot {
    public static let count = 16384

    public static func slot(of key: String) -> Int {
        slot(of: Array(key.utf8))
    }

    public static func slot(of key: [UInt8]) -> Int {
        let hashed = hashTag(key) ?? key[...]
        return Int(crc16(hashed) & 0x3FFF)
    }

    /// The bytes between the first `{` and the next `}`, or nil when there is no
    /// non-empty tag (the whole key is hashed then).
    static func hashTag(_ key: [UInt8]) -> ArraySlice<UInt8>? {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        else { return nil }
        return key[(open + 1)..<close]
    }

    static func crc16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// CRC16-CCITT, polynomial 0x1021, as in the Redis Cluster specification.
    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
